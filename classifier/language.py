"""Which language an article is in: hypefact's model reads English only.

The detector is py3langid (a maintained fork of langid.py by trafilatura's author:
97 languages, its model ships inside the package as a NumPy archive loaded without
pickle, nothing is downloaded). It is small and fast (a page in a few milliseconds,
about a second to load once), which is what a check in front of every document needs;
lingua is more accurate on very short text but ten times the size, and langdetect
is no longer maintained and not deterministic without seeding.

Loading the detector's model takes about a second, so plain English skips it: when
the commonest English function words ("the", "of", "and", "to"...) make up at least
ENGLISH_SHORTCUT of a text's words, no other language is that full of them, and the
text is English without asking the detector (French, German or Spanish prose scores
0.05 at most on this count, English news and pages 0.2 to 0.3).

The whole document is detected at once (the article region only, on a page where one
was found), so an English article with a German footer or a French comment reads as
English: a language only counts when it is the language of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Texts shorter than this are not judged (a headline alone is too little to tell).
MIN_CHARS = 40
#: Below this probability the detector is not sure, and the text is taken as English.
MIN_CONFIDENCE = 0.90
#: How much text is read (the first characters are plenty, and keep it fast).
MAX_CHARS = 20_000
#: Share of English function words above which a text is English without the detector.
ENGLISH_SHORTCUT = 0.15
_FUNCTION_WORDS = frozenset("the of and to a in is that for it was on with as by at be this are from".split())
_WORD = re.compile(r"[a-z]+")

_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish",
    "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "ms": "Malay", "nb": "Norwegian", "nl": "Dutch", "nn": "Norwegian", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "th": "Thai", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as the detector gives it
    confidence: float

    @property
    def name(self) -> str:
        return _NAMES.get(self.code, self.code)

    @property
    def is_english(self) -> bool:
        return self.code == "en"


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> Language:
    """The language of ``text``; English when the text is too short or the detector unsure."""
    sample = " ".join(text[:MAX_CHARS].split())
    if len(sample) < MIN_CHARS:
        return Language("en", 0.0)
    words = _WORD.findall(sample.lower())
    if words and sum(w in _FUNCTION_WORDS for w in words) / len(words) >= ENGLISH_SHORTCUT:
        return Language("en", 1.0)
    code, prob = _identifier().classify(sample)
    if code != "en" and prob < MIN_CONFIDENCE:
        return Language("en", 0.0)
    return Language(str(code), round(float(prob), 4))


def document_language(text: str, in_article: list[bool] | None = None) -> Language:
    """The language of a document, read from its article region when a page has one."""
    if in_article and any(in_article) and not all(in_article):
        lines = text.split("\n")
        region = "\n".join(line for line, inside in zip(lines, in_article) if inside)
        if len(region.strip()) >= MIN_CHARS:
            return detect_language(region)
    return detect_language(text)
