"""Reading inputs: HTML to text by blocks, encodings, binary and empty files."""

import pytest

from classifier.read import InputError, html_to_text, read_source, text_from_bytes


def test_html_blocks_become_lines_and_scripts_vanish():
    html = ("<html><head><title>Site</title><script>var x = 1;</script><style>p{}</style></head><body>"
            "<nav><ul><li><a href='/'>Home</a></li><li>World</li></ul></nav><h1>Big headline</h1>"
            "<p>First para. Second <b>bold</b> sentence.</p><footer>&copy; 2026 Site</footer></body></html>")
    lines = html_to_text(html).splitlines()
    assert lines == ["Home", "World", "Big headline", "First para. Second bold sentence.", "\u00a9 2026 Site"]


def test_malformed_html_is_tolerated():
    text = html_to_text("<div><p>Unclosed paragraph <b>bold<p>Another one</div></span><li>item")
    assert text.splitlines() == ["Unclosed paragraph bold", "Another one", "item"]


def test_html_with_encoding_declaration():
    html = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Caf\u00e9 opens.</p></body></html>'
    assert html_to_text(html) == "Caf\u00e9 opens."


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encodings_are_decoded_and_reported(tmp_path, encoding):
    path = tmp_path / "old.txt"
    path.write_bytes("The caf\u00e9 na\u00efve r\u00e9sum\u00e9 cost \u00a35.".encode(encoding))
    src = read_source(str(path))
    assert src.text == "The caf\u00e9 na\u00efve r\u00e9sum\u00e9 cost \u00a35."
    assert src.notes and "not valid UTF-8" in src.notes[0]


def test_binary_empty_and_missing_files_are_refused(tmp_path):
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n")
    with pytest.raises(InputError, match="binary"):
        read_source(str(binary))
    with pytest.raises(InputError, match="empty"):
        read_source(str(empty))
    with pytest.raises(InputError, match="no such file"):
        read_source(str(tmp_path / "missing.txt"))


def test_size_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 300)
    with pytest.raises(InputError, match="limit"):
        read_source(str(big), max_bytes=1000)


def test_html_without_text_is_refused():
    with pytest.raises(InputError, match="no text"):
        text_from_bytes(b"<html><head><script>1</script></head><body></body></html>", "page.html")
