"""The instance folder and the files of each database in it (server/instance.py), and where the
package finds its templates, static files and service worker (server/resources.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import resources
from server.config import load_config
from server.instance import folder_name

CHECKOUT = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_the_web_app_from_its_top_level_folders() -> None:
    assert not resources.INSTALLED
    assert resources.TEMPLATES == CHECKOUT / "pwa" / "templates"
    assert resources.STATIC == CHECKOUT / "pwa" / "static"
    assert resources.SERVICE_WORKER == CHECKOUT / "service_worker" / "sw.js"
    assert (resources.TEMPLATES / "base.html").is_file()


def test_the_default_database_keeps_its_files_in_the_checkouts_instance_folder() -> None:
    """What `./run demo` has always done."""
    config = load_config(environ={})
    instance = CHECKOUT / "instance"
    assert config["INSTANCE_DIR"] == str(instance)
    assert config["DATABASE_URL"] == f"sqlite:///{instance / 'portal.db'}"
    assert config["DATABASE_FILES_DIR"] == str(instance)
    assert config["UPLOAD_DIR"] == str(instance / "uploads")
    assert config["MAIL_FILE_DIR"] == str(instance / "mail")
    assert config["DEV_EID_DIR"] == str(instance / "dev-eid")


def test_a_relative_instance_folder_is_taken_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={"INSTANCE_DIR": "data"})
    assert config["INSTANCE_DIR"] == str(tmp_path / "data")
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'data' / 'portal.db'}"
    assert config["UPLOAD_DIR"] == str(tmp_path / "data" / "uploads")


def test_each_other_database_keeps_its_files_in_a_folder_of_its_own(tmp_path: Path) -> None:
    def files(database_url: str) -> Path:
        config = load_config(environ={"INSTANCE_DIR": str(tmp_path), "DATABASE_URL": database_url})
        folder = Path(config["DATABASE_FILES_DIR"])
        assert config["UPLOAD_DIR"] == str(folder / "uploads")
        assert config["MAIL_FILE_DIR"] == str(folder / "mail")
        assert config["DEV_EID_DIR"] == str(folder / "dev-eid")
        return folder

    first = files(f"sqlite:///{tmp_path / 'first.db'}")
    second = files(f"sqlite:///{tmp_path / 'elsewhere' / 'first.db'}")
    server = files("postgresql+psycopg://portal:secret@db.example:5432/portal")
    assert len({first, second, server}) == 3
    for folder in (first, second, server):
        assert folder.parent == tmp_path / "databases"
    assert first.name.startswith("first-")
    assert server.name.startswith("portal-")
    # Where the database is decides, not who logs in to it or with which password.
    assert files("postgresql+psycopg://other:rotated@db.example:5432/portal") == server
    assert files(f"sqlite:///{tmp_path / 'portal.db'}") == tmp_path  # the instance's own


def test_the_same_sqlite_file_named_relative_or_absolute_is_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert folder_name("sqlite:///demo.db") == folder_name(f"sqlite:///{tmp_path / 'demo.db'}")
    assert folder_name("sqlite://").startswith("memory-")


def test_production_keeps_the_files_in_the_instance_folder(tmp_path: Path) -> None:
    """One database per instance there: a moved server or new password must not move them."""
    config = load_config(
        environ={
            "PORTAL_ENV": "production",
            "SECRET_KEY": "s" * 32,
            "PAYMENT_PROVIDER": "xbezahldienste",
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql+psycopg://portal@db/portal",
        }
    )
    assert config["DATABASE_FILES_DIR"] == str(tmp_path)
    assert config["UPLOAD_DIR"] == str(tmp_path / "uploads")


def test_the_folders_own_settings_win(tmp_path: Path) -> None:
    config = load_config(
        environ={
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
            "DEV_EID_DIR": str(tmp_path / "dev-eid"),
        }
    )
    assert config["UPLOAD_DIR"] == str(tmp_path / "uploads")
    assert config["MAIL_FILE_DIR"] == str(tmp_path / "mail")
    assert config["DEV_EID_DIR"] == str(tmp_path / "dev-eid")


def test_the_app_names_its_instance_folder(tmp_path: Path) -> None:
    from server import create_app

    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
        }
    )
    assert app.instance_path == str(tmp_path)
    assert app.template_folder == resources.TEMPLATES
