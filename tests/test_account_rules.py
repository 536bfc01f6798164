import pytest

from clinic_app.accounts.rules import is_safe_redirect, normalise_email, password_problem


@pytest.mark.parametrize("target", ["/my/", "/clinics/phoenix?x=1", "/admin/clinics#top"])
def test_paths_on_this_site_are_safe_redirects(target):
    assert is_safe_redirect(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\tevil",
        "my/",
    ],
)
def test_other_targets_are_not_followed(target):
    assert not is_safe_redirect(target)


def test_email_is_normalised_to_lowercase_without_spaces():
    assert normalise_email("  Pat.Patient@Example.COM ") == "pat.patient@example.com"


@pytest.mark.parametrize(
    "password, email, name, problem",
    [
        ("short", "", "", "at least 10"),
        ("password123", "", "", "too easy"),
        ("zzzzzzzzzzzz", "", "", "too easy"),
        ("jordan-loves-hiking", "jordan@example.com", "", "e-mail"),
        ("my name is Quinn Avery", "q@example.com", "Quinn Avery", "name"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, email, name, problem):
    assert problem in password_problem(password, email, name)


def test_a_long_unusual_passphrase_is_accepted():
    assert password_problem("violet tractor under moonlight", "pat@example.com", "Pat Patient") is None
