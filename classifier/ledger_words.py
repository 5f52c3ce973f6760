"""The source ledger's word lists and closed word classes (lower case), used by :mod:`classifier.ledger`.

They are the rules' knowledge of the world: which words end an organisation's
name, which make a name an outlet, which nouns head a document or an unnamed
group, which verbs report. Keep them to words a news reader would agree on; a
word added here changes the figures in ``docs/sources.md`` (rerun
``python benchmarks/sources.py``).
"""

from __future__ import annotations

from functools import lru_cache

from .features.cues import SAYING_VERBS


def _words(text: str) -> frozenset:
    return frozenset(text.split())


# ---------------------------------------------------------------------------
# Word lists (lower case). They are the rules' knowledge of the world; keep them
# to words a news reader would agree on.

#: Last words of organisation names: "Veltrix Holdings", "Ministry of Energy".
ORG_SUFFIXES = _words("""
    holdings group groups inc inc. ltd ltd. plc corp corp. corporation company co co. companies llc ag sa gmbh
    ministry department office bureau agency authority authorities commission committee council board court
    institute institution university college school academy observatory laboratory lab labs centre center
    hospital clinic trust foundation fund society association union federation league party network alliance
    bank securities capital partners analytics advisors advisers ventures investments insurance finance
    systems technologies technology software pharma pharmaceuticals therapeutics biotech energy oil gas power
    wind solar motors airlines airways buses rail railways foods brewing breweries spirits estates lettings
    properties homes media labs industries logistics telecom mobile chamber parliament assembly senate
    government police army navy service services registry exchange united rovers city athletic wanderers
    town fc club orchestra museum theatre theater church council police research consulting associates economics
    insights intelligence strategies advisory housing books publishing publishers civil construction engineering
    retail stores shops markets farms dairy electric electricity communications networks shipping lines freight
    transport travel hotels resorts entertainment studios pictures games healthcare medical diagnostics chemicals
    materials steel metals mining minerals resources petroleum renewables hydrogen aerospace defence defense
    automotive brands apparel textiles logistics property house robotics
""")
#: Words that make a name an outlet: "the Daily Courant", "Radio Ferrow".
OUTLET_WORDS = _words("""
    times post herald gazette journal news courant sentinel ledger review tribune chronicle observer courier
    standard telegraph weekly daily wire newswire radio tv television channel broadcasting magazine express letters
    mirror mail guardian independent examiner inquirer bulletin dispatch desk
""")
#: Outlets known by a one-word name (most outlets carry a word such as "Times" or "Herald").
OUTLET_NAMES = _words("reuters bloomberg afp ap cnn cnbc bbc axios politico semafor upi dpa xinhua")
#: Last words of named records: "the National Infection Register".
DOCUMENT_NAME_SUFFIXES = _words("register census act report survey index yearbook")
#: Titles and roles stripped from the front of a name: "Finance Minister Lena Varga".
TITLES = _words("""
    dr dr. mr mr. mrs mrs. ms ms. prof prof. professor sen sen. gov gov. supt supt.
    sir dame lord lady rev rev. reverend father sister
    judge justice councillor councilor senator congressman congresswoman representative rep. minister secretary
    president vice-president chancellor vice-chancellor premier governor mayor deputy inspector detective
    sergeant constable superintendent commissioner chief captain coach manager general colonel major admiral
    ambassador headteacher principal chairman chairwoman chair director forecaster engineer officer king
    queen prince princess pope bishop rabbi imam sheikh
""")
#: Nouns that head a document source: "the memo", "court filings", "a study".
DOCUMENT_NOUNS = _words("""
    memo memos memorandum report reports study studies survey surveys filing filings record records minutes
    documents document letter letters statement paper papers post posts data figures statistics projections
    forecast forecasts analysis audit review transcript transcripts sheet email emails message messages
    release opinion ruling judgment judgement indictment complaint lawsuit affidavit testimony registry census
    dossier briefing draft proposal plan guidance notice notes tests polls poll footage accounts agreement
    assessment spreadsheet contract invoice invoices log logs database dataset archive archives file files
    presentation slides deck brief filing cable cables manual policy application results findings count tally
""")
#: Document nouns that point at their owner when one is named: "figures from the Land Registry".
DEFERRING_NOUNS = _words("data figures statistics research numbers estimates tests analysis polling calculations")
#: Nouns that stand for an organisation already named, or for an institution: "the company", "police".
ORG_NOUNS = _words("""
    company companies firm group retailer carrier airline operator developer brewer maker manufacturer lender
    regulator bank insurer chain supplier producer startup ministry department council agency board union
    committee league team university school institute presidency government administration police
    prosecutors prosecution authorities court tribunal federation charity club office trust commission
    cabinet parliament army military guard coast-guard embassy consulate hospital observatory foundation
    firms banks unions lenders insurers carriers airlines operators retailers manufacturers ministries agencies
    authority museum gallery library association cooperative co-op society alliance network institution academy clinic fund
    bureau commission senate assembly website site service force house
""")
#: Unnamed people or groups: the claim rests on nobody the reader can identify.
GROUP_NOUNS = _words("""
    sources source insiders insider critics analysts analyst experts economists diplomats officials neighbours
    neighbors residents growers farmers traders workers employees staff allies lawmakers legislators campaigners
    activists groups scientists researchers doctors witnesses organisers organizers shopkeepers fishermen
    supporters fans observers commentators investors bankers executives engineers people persons observers
    opponents protesters parents teachers students users customers locals villagers members colleagues
    aides advisers advisors envoys rebels locals parents voters militants
""")
#: Single people named only by their role: "his lawyer", "a senior official", "a company spokesman".
ROLE_NOUNS = _words("""
    spokesman spokeswoman spokesperson official lawyer attorney envoy person aide adviser advisor source
    insider diplomat representative executive engineer owner founder analyst witness relative friend
    member worker employee resident teacher presenter nurse staffer voter neighbour neighbor man woman men women
    treasurer receptionist agronomist scientist researcher expert critic trader farmer grower
""")
#: Spokespeople speak for their organisation: "a spokesperson for the Department of Health".
SPOKES_NOUNS = _words("spokesman spokeswoman spokesperson representative")
#: Words before a name that say what it is: "the broadcaster Channel Nine", "research firm Tallyfield".
OUTLET_DESCRIPTORS = _words("broadcaster newspaper paper magazine newswire tabloid outlet daily weekly station")
ORG_DESCRIPTORS = _words("""
    group company firm maker designer lender bank insurer charity union operator developer retailer brewer
    manufacturer carrier airline agency regulator club party organisation organization institute fund startup
    chain producer supplier platform network body site owner distillery ministry federation publisher landlord
    bidder rival employer insurer broker
""")
PERSON_DESCRIPTORS = _words("""
    councillor minister director manager engineer analyst lawyer judge captain coach keeper chairman chair
    founder president secretary chief executive spokesman spokeswoman spokesperson driver trawlerman blender
    teacher researcher scientist author agent leader official officer forecaster economist doctor nurse
    student farmer worker hydrologist glaciologist member deputy mayor governor
""")
#: Reporting verbs besides the lexicon's: record verbs ("filings show") and verbs of stance.
EXTRA_CUE_VERBS = _words("""
    show shows showed shown find finds found suggest suggests suggested conclude concludes concluded indicate
    indicates indicated reveal reveals revealed blame blames blamed credit credits credited praise praises
    praised welcome welcomes welcomed reject rejects rejected dispute disputes disputed caution cautions
    cautioned insist insists insisted call calls called describe describes described understands understand
    remember remembers remembered recall recalls recalled estimate estimates estimated expect expects
    joked jokes quipped quips laughed laughs shouted whispered sighed snapped replied answered boasted
    observed mused questioned asked asks agreed agrees commented comments predicted predicts
    believe believes believed suspect suspects suspected recommend recommends recommended encourage encourages
    encouraged advise advises advised defended defends debated debate debates doubt doubts doubted expected
    promises promise vows pledges recorded refused puts accepted accepts
    complained vowed pledged promised urged argued posted tweeted tell tells told says say said reported
    reports report claimed claims confirmed confirms announced announces denied denies warned warns
""")
_MULTIWORD_CUES = (("declined", "to", "comment"), ("did", "not", "respond"), ("points", "out"), ("pointed", "out"),
                   ("point", "out"), ("according", "to"), ("as", "reported", "by"), ("per", "a"), ("per", "the"))
_RIGHT_CUES = frozenset({"according", "as", "per"})
_MULTIWORD_FIRST = frozenset(p[0] for p in _MULTIWORD_CUES)
#: Words that may stand between a subject and its verb: "the company has also said".
_SKIP_BEFORE_VERB = _words("""
    not never n't did does do yet just long
    has have had also later previously first widely privately publicly still will would already then now
    further repeatedly recently separately earlier initially never once again has since last yesterday
    today tonight meanwhile however
""")
_BE = _words("is are was were be been being 's")
_PASSIVE_TOLD = _words("told informed warned")
_ANON_POSTMODIFIERS = (("familiar", "with"), ("close", "to"), ("briefed", "on"), ("with", "knowledge", "of"),
                       ("knowledgeable", "about"), ("involved", "in"), ("aware", "of"),
                       ("with", "direct", "knowledge", "of"))
_ANON_HEADS = _words("people person sources source officials official insiders executives someone those individuals")
_ANON_ADVERBS = _words("reportedly allegedly purportedly supposedly")
_PERCEPTION = _words("seen regarded viewed considered")
_IMPERSONAL = _words("understood believed thought rumoured rumored said reported")
_RELATIVES = _words("which who that whom")
_DETERMINERS = _words("""the a an its his her their our your my this that these those some other one two three four
    five six seven eight nine ten several many few both each every any another such own""")
#: Agent nouns name people ("birdwatchers", "receptionist", "agronomists") except these.
_AGENT_SUFFIXES = ("er", "ers", "or", "ors", "ist", "ists", "ian", "ians", "ant", "ants", "ee", "ees")
_NOT_AGENTS = _words("""water number winter summer order power paper letter matter border quarter center corner river
    weather later other never after under over either neither whether together rather major minor error sector
    factor mirror motor floor door plant giant restaurant elephant important significant
    distant constant instant recent percent cent event content talent urgent per cancer chapter
    character offer transfer computer filter tower barrier carrier cluster master register theatre meter
    liter litre dollar mortar harbour harbor colour color favour favor labour labor rumour rumor honour honor
    behaviour behavior vapour vigour terror horror ancestor""")
_CLAUSE_BREAKS = frozenset({",", ";", ":", "(", ")", "\u2014", "\u2013", "--", "that", "and", "but", "while",
                            "whereas", "because", "although", "though", "so", "after", "before", "when", "until",
                            "since", "if", "unless", "once", "where"})
_QUOTE_CHARS = frozenset('"\u201c\u201d\u00ab\u00bb')
_OPENING = frozenset('\u201c\u00ab')
_CLOSING = frozenset('\u201d\u00bb')
_MONTHS_DAYS = _words("""january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""")
_PREPOSITIONS = _words("for at from of by with in on")
_ASKED_NOT_SAID = _words("not for about to if whether")
_POSSESSIVES = ("'s", "\u2019s", "'", "\u2019")
_NAME_PARTICLES = _words("de van von der da al bin le la")
#: Capitalised words that never continue a name ("Channel Nine" does, "... said The").
_FUNCTION_CAPS = _words("""the a an he she it we they i you and or but of in on at for to by with from this that
    these those his her its their our my is are was were""")
#: Document nouns that belong to an outlet when one is named: "a report in the Evening Sentinel".
_NEWS_REPORTS = _words("report reports story article investigation")
#: Plural people who, with "the", stand for a body named before: "the researchers said".
_BODY_PLURALS = _words("researchers scientists authors astronomers")
_GENERIC_BUSINESS = _words("""company firm group retailer carrier airline operator developer brewer maker manufacturer
    lender insurer chain supplier producer startup""")


@lru_cache(maxsize=None)
def _stop_words() -> frozenset:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=None)
def _cue_verbs() -> frozenset:
    return frozenset(SAYING_VERBS | EXTRA_CUE_VERBS) - {"according", "statement", "interview", "citing"}
