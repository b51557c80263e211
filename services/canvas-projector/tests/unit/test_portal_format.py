"""How the portal writes moments and charts: WIB in each language's words, all numbers grouped the page's way,
and a chart that draws only the first bars says so and points at the full table."""

from datetime import UTC, datetime

from canvas_projector.entrypoints.api.portal import CHART_LIMIT, bar_chart, moment


def test_a_moment_is_written_in_wib_as_each_language_writes_it():
    at = datetime(2026, 12, 31, 17, 5, tzinfo=UTC)  # already New Year's Day in Jakarta
    assert moment(at, "id") == "1 Januari 2027 00.05 WIB"
    assert moment(at, "en") == "1 January 2027 00:05 WIB"


def test_a_chart_past_its_limit_says_how_many_it_shows_of_how_many_and_links_the_table():
    rows = [(f"Provinsi {i}", 1_000_000 * i) for i in range(14, 0, -1)]
    chart = bar_chart(rows, "Per provinsi", "id", table="provinces")
    assert chart.count("<li>") == CHART_LIMIT == 12
    assert "Menampilkan 12 teratas dari 14." in chart
    assert 'href="#provinces"' in chart
    assert "Rp\u00a014.000.000" in chart
    english = bar_chart(rows, "Per province", "en", table="provinces")
    assert "Showing the top 12 of 14." in english
    assert "Rp\u00a014,000,000" in english
    assert "14.000.000" not in english


def test_a_short_chart_draws_every_bar_and_escapes_names():
    chart = bar_chart([("<b>PT A & B</b>", 10), ("C", 5)], "CSR", "en")
    assert chart.count("<li>") == 2
    assert "teratas" not in chart
    assert "top" not in chart
    assert "&lt;b&gt;PT A &amp; B&lt;/b&gt;" in chart
    assert 'width="50.0%"' in chart
    assert bar_chart([], "CSR", "en") == ""
