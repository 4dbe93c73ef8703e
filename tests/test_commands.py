import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lists.models import FollowedList
from tests.factories import connect

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_addlist_follows_a_list_with_its_options():
    output = run("addlist", "stevenlu", "--name", "Popular", "--user", "2", "--4k")
    followed = FollowedList.objects.get()
    assert f"Following list #{followed.pk}: Popular" in output
    assert (followed.request_user_id, followed.is_4k, followed.media_types) == (2, True, "all")


def test_addlist_explains_what_it_accepts():
    with pytest.raises(CommandError, match="Accepted: IMDb.*Steven Lu popular movies: stevenlu"):
        run("addlist", "https://example.com/list/1")


def test_addlist_manual_reads_the_items_file(tmp_path):
    items = tmp_path / "list.txt"
    items.write_text("tt0133093\nThe Thing (1982)\ntmdb:oops\n")
    err = io.StringIO()
    call_command(
        "addlist",
        "manual",
        "--name",
        "Mine",
        "--items-file",
        str(items),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "Left out line 3" in err.getvalue()
    assert FollowedList.objects.get().manual_items.count("\n") == 3


def test_lists_shows_each_list():
    assert "No lists yet" in run("lists")
    run("addlist", "stevenlu")
    output = run("lists")
    assert "stevenlu" in output and "never" in output


def follow_against_sandbox(sandbox_factory, tmp_path, *lines):
    """A manual list added through the command, and a sandbox server to sync it to."""
    connect(sandbox_factory().url)
    items = tmp_path / "list.txt"
    items.write_text("\n".join(lines))
    run("addlist", "manual", "--items-file", str(items))


def test_runsync_json_gives_the_run_and_its_counts(sandbox_factory, tmp_path):
    follow_against_sandbox(sandbox_factory, tmp_path, "tmdb:movie:603", "tmdb:movie:550")

    result = json.loads(run("runsync", "--json"))

    assert result["state"] == "succeeded"
    assert result["counts"] == {"requested": 1, "already_available": 1}
    assert isinstance(result["run_id"], int)


def test_runsync_exits_non_zero_when_the_run_fails(capsys):
    run("addlist", "stevenlu")
    with pytest.raises(SystemExit) as exited:
        run("runsync", "--json")
    assert exited.value.code == 1


def test_runsync_summary_names_each_outcome(sandbox_factory, tmp_path):
    follow_against_sandbox(sandbox_factory, tmp_path, "tmdb:movie:603", "Nothing Like This (2001)")
    output = run("runsync", "--dry-run")
    assert "(dry run): Succeeded" in output
    assert "Would request (dry run)" in output and "Not found" in output
    assert "Nothing Like This (2001)" in output


def test_runsync_for_a_missing_list_says_so():
    with pytest.raises(CommandError, match="no list #42"):
        run("runsync", "--list", "42")


@pytest.mark.parametrize("fork", ["overseerr", "jellyseerr", "seerr"])
def test_checkserver_names_fork_and_version(sandbox_factory, fork):
    server = sandbox_factory(fork=fork)
    connect(server.url)
    output = run("checkserver")
    assert output.startswith(fork.capitalize()) and "requests as user 1" in output


def test_checkserver_says_what_is_wrong(sandbox_factory):
    server = sandbox_factory()
    connect(server.url, api_key="nope")
    with pytest.raises(CommandError, match="refused the API key"):
        run("checkserver")


def test_checkserver_without_a_server_says_how_to_set_one():
    with pytest.raises(CommandError, match="LISTSYNC_SERVER_URL"):
        run("checkserver")


def test_ensureadmin_prints_a_generated_password_once(settings):
    settings.LISTSYNC_ADMIN_PASSWORD = ""
    first = run("ensureadmin")
    assert "with the password" in first
    password = first.split("with the password ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert run("ensureadmin") == ""


def test_ensureadmin_uses_the_password_from_the_environment(settings):
    settings.LISTSYNC_ADMIN_USER, settings.LISTSYNC_ADMIN_PASSWORD = "boss", "s3cret-Pass"
    output = run("ensureadmin")
    assert "s3cret" not in output
    assert get_user_model().objects.get(username="boss").check_password("s3cret-Pass")
