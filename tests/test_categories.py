"""Each category on realistic text written for the test, in other publishers' wording.

Positives: the boilerplate goes and the article text around it stays exactly.
Negatives: article sentences that merely talk about newsletters, icons,
subscriptions, cookies or reading more survive unchanged.
"""
from __future__ import annotations

import pytest

from cleaner import clean, process

ARTICLE = "The council approved the budget on Tuesday after a four-hour debate."
SECOND = "Councillors said the vote showed “real progress” on housing."

# (category, text with boilerplate, expected clean output)
POSITIVES = [
    ("newsletter",
     f"Sign up for our daily newsletter Enter your email address SIGN UP {ARTICLE}\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("newsletter",
     f"{ARTICLE}\nGet our top stories delivered straight to your inbox every morning. "
     "By signing up, you agree to our Terms of Service. Thanks for subscribing!\n"
     f"{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("icons",
     "Home An icon of a house. Search An icon of a magnifying glass. Close An icon of an X. "
     "Share A curved arrow. Floods close three bridges\n" + ARTICLE,
     f"Floods close three bridges\n\n{ARTICLE}\n"),
    ("appeal",
     f"{ARTICLE}\nSupport our journalism\nOur reporting is free to read because readers like you pay for it.\n"
     f"Support us from just £2 a month.\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("paywall",
     f"{ARTICLE}\nThis article is only available to subscribers. Already a subscriber? Sign in\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("related",
     f"{ARTICLE}\nRelated:\nHousing waiting lists hit a ten-year high\nWhy rents keep rising in small towns\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("related",
     f"{ARTICLE} READ MORE: Council leader faces no-confidence vote\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("promo",
     f"Listen to this article\n{ARTICLE}\nFollow us on Twitter and Facebook for the latest news.\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("caption",
     f"{ARTICLE}\nThe council chamber on Tuesday. Image: Getty\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("caption",
     f"{ARTICLE}\nCouncillors leave the town hall (Jane Roe/Example Press)\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("byline",
     f"By Maria Lopez and Tom Reed\n{ARTICLE}",
     f"{ARTICLE}\n"),
    ("cookie",
     f"We use cookies to give you the best experience on our website. Accept all cookies\n{ARTICLE}",
     f"{ARTICLE}\n"),
    ("share",
     f"{ARTICLE}\nShare this article\nFacebook | Twitter | Email | Print\n{SECOND}",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("ads",
     f"{ARTICLE}\nAdvertisement\n{SECOND}\nSponsored",
     f"{ARTICLE}\n\n{SECOND}\n"),
    ("legal",
     f"{ARTICLE}\n© 2025 Example Media Group. All rights reserved.",
     f"{ARTICLE}\n"),
    ("metadata",
     f"date 2025-02-11 {ARTICLE}",
     f"{ARTICLE}\n"),
]


@pytest.mark.parametrize("category,text,expected", POSITIVES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(POSITIVES)])
def test_category_removes_boilerplate_and_keeps_article(category, text, expected) -> None:
    result = process(text)
    assert result.text == expected
    assert category in {r.category for r in result.removed}


@pytest.mark.parametrize("category,text,expected", POSITIVES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(POSITIVES)])
def test_keeping_the_category_leaves_its_boilerplate(category, text, expected) -> None:
    result = process(text, keep=[category])
    assert category not in {r.category for r in result.removed}


NEGATIVES = [
    "The newsletter, which has 40,000 subscribers, was sold to a rival publisher last year.",
    "Residents can sign up for the scheme at the town hall until Friday.",
    "Designers replaced the icon of a floppy disk with a cloud after user testing.",
    "Users saw an icon of a bell, an icon of a clock and an icon of a key on the new screen.",
    "Subscriptions to streaming services fell for the first time, the survey found.",
    "She said she would subscribe to the journal to read its archive.",
    "The regulator said the company placed cookies on devices without asking first.",
    "Bakers sold more cookies in December than in any month on record.",
    "Readers who want to read more about the ruling can find it on the court's website.",
    "Related research, published in May, reached the same conclusion.",
    "By the end of the year, the fund had doubled in size.",
    "Share prices rose 3% after the announcement.",
    "The advertisement was banned for misleading viewers.",
    "All rights to the land were reserved for the original owners, the judge said.",
    "Follow-up visits are planned for next spring.",
    "He said the photograph, taken in 1972, had never been published.",
    "“Support our farmers,” the minister told the conference, “because they feed us.”",
    "The podcast reached number one in the charts within a week of its launch.",
]


@pytest.mark.parametrize("sentence", NEGATIVES, ids=lambda s: s[:40])
def test_article_sentence_about_boilerplate_survives(sentence) -> None:
    text = f"{ARTICLE}\n{sentence}\n{SECOND}"
    result = process(text)
    assert result.removed == (), [(r.rule, r.text) for r in result.removed]
    assert clean(text) == f"{ARTICLE}\n\n{sentence}\n\n{SECOND}\n"


def test_metadata_values_are_kept() -> None:
    result = process(f"date 2025-02-11 {ARTICLE}\nBy Maria Lopez\n{SECOND}")
    assert result.metadata == {"date": "2025-02-11", "byline": "Maria Lopez"}
    assert result.text == f"{ARTICLE}\n\n{SECOND}\n"


def test_appeal_without_closing_line_is_left_alone() -> None:
    # A block rule removes nothing if its end never comes: losing an article is worse.
    text = f"Support our journalism by reading on\n{ARTICLE}\n{SECOND}"
    assert clean(text) == f"Support our journalism by reading on\n\n{ARTICLE}\n\n{SECOND}\n"


def test_related_list_stops_at_the_first_sentence() -> None:
    text = f"Read more:\nMinisters split over rail plan\n{ARTICLE}\n{SECOND}"
    assert clean(text) == f"{ARTICLE}\n\n{SECOND}\n"


def test_icon_run_needs_three_icons() -> None:
    text = f"Home An icon of a house. Search An icon of a magnifying glass. {ARTICLE}"
    assert clean(text) == f"{text}\n"
