"""Attacks through HTML: text nested 255+ levels deep, a 10 MB attribute (issue 16, item 11)."""

import pytest

from classifier.read import html_to_text, text_from_bytes


def page(body: str) -> str:
    return f"<html><body><p>Start.</p>{body}<p>End of the page.</p></body></html>"


@pytest.mark.parametrize("depth", [300, 1500])
def test_deeply_nested_text_is_kept(depth):
    text = html_to_text(page("<div>" * depth + "The deep sentence." + "</div>" * depth))
    assert text.splitlines() == ["Start.", "The deep sentence.", "End of the page."]


def test_nesting_past_the_parser_limit_is_kept_and_said(tmp_path):
    src = text_from_bytes(page("<span>" * 5000 + "The deep sentence." + "</span>" * 5000).encode(), "deep.html")
    assert "The deep sentence." in src.text and "End of the page." in src.text
    assert any("nested over" in n for n in src.notes)


def test_text_after_a_10_mb_attribute_is_kept():
    text = html_to_text(page('<p title="' + "x" * 10_500_000 + '">After the attribute.</p>'))
    assert text.splitlines() == ["Start.", "After the attribute.", "End of the page."]
