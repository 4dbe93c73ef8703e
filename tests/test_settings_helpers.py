import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from listsync import settings as s


def test_env_bool_accepts_only_true_or_false(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert s.env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "off")
    assert s.env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be true or false"):
        s.env_bool("X_FLAG", False)


def test_env_int_names_the_variable_and_the_bad_value(monkeypatch):
    monkeypatch.setenv("X_NUM", "four")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be a whole number, not 'four'"):
        s.env_int("X_NUM", 4)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        s.env_int("X_NUM", 4, minimum=1)


def test_env_secret_reads_the_file_named_by_name_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_KEY", "from-env")
    monkeypatch.setenv("X_KEY_FILE", str(secret))
    assert s.env_secret("X_KEY") == "from-file"
    monkeypatch.setenv("X_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="X_KEY_FILE: cannot read"):
        s.env_secret("X_KEY")


def test_secret_key_is_generated_once_with_mode_0600(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    first = s.load_or_create_secret_key(tmp_path)
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert s.load_or_create_secret_key(tmp_path) == first


def test_database_url_becomes_a_postgresql_entry():
    entry = s.database_from_url("postgres://ls:p%40ss@db.local:5433/listsync")
    assert entry["ENGINE"] == "django.db.backends.postgresql"
    assert (entry["NAME"], entry["USER"], entry["PASSWORD"]) == ("listsync", "ls", "p@ss")
    assert (entry["HOST"], entry["PORT"]) == ("db.local", "5433")
    with pytest.raises(ImproperlyConfigured, match="must start with postgres://"):
        s.database_from_url("mysql://x@y/z")


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; a file database must.
    assert mode in ("wal", "memory")
    from django.conf import settings

    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_a_shared_database_without_a_shared_secret_key_is_warned_about(settings, monkeypatch):
    from syncing.checks import check_listsync_settings

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert "listsync.W004" in [p.id for p in check_listsync_settings()]
    monkeypatch.setenv("SECRET_KEY", "the-same-everywhere")
    assert "listsync.W004" not in [p.id for p in check_listsync_settings()]
