"""Shipped models are package data found by name; adding a directory is all it takes to ship another."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

import feedback_nlp
from feedback_nlp.cli import ExitCode, app
from feedback_nlp.errors import ModelDirectoryError, UnknownModelError
from feedback_nlp.model_dir import available_models, resolve_model_dir, shipped
from tests.conftest import SHIPPED_MODEL


def test_default_is_shipped_and_found_from_any_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("FEEDBACK_NLP_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert "default" in available_models() and available_models()[0] == "default"
    assert resolve_model_dir().resolve() == resolve_model_dir("default").resolve() == SHIPPED_MODEL.resolve()


@pytest.fixture
def models_root(tmp_path, monkeypatch):
    """A package models/ folder with the default model and a second one, ``accurate``, dropped in."""
    root = tmp_path / "models"
    shutil.copytree(SHIPPED_MODEL, root / "default")
    shutil.copytree(SHIPPED_MODEL, root / "accurate")
    (root / "not-a-model").mkdir()
    monkeypatch.setattr(shipped, "_models_root", lambda: root)
    monkeypatch.delenv("FEEDBACK_NLP_MODEL", raising=False)
    return root


def test_a_new_directory_is_a_new_name(models_root):
    assert feedback_nlp.available_models() == ["default", "accurate"]
    assert feedback_nlp.load_tagger("accurate").model_dir == models_root / "accurate"
    assert feedback_nlp.load_tagger().model_dir == models_root / "default"


def test_unknown_name_lists_the_available_ones(models_root):
    with pytest.raises(UnknownModelError, match=r"no shipped model named 'acurate'; available: default, accurate"):
        feedback_nlp.load_tagger("acurate")
    assert issubclass(UnknownModelError, ModelDirectoryError)


def test_env_var_takes_a_name_or_a_path(models_root, monkeypatch):
    monkeypatch.setenv("FEEDBACK_NLP_MODEL", "accurate")
    assert resolve_model_dir() == models_root / "accurate"
    monkeypatch.setenv("FEEDBACK_NLP_MODEL", str(models_root / "default"))
    assert resolve_model_dir() == models_root / "default"
    monkeypatch.setenv("FEEDBACK_NLP_MODEL", "nope")
    with pytest.raises(UnknownModelError, match="FEEDBACK_NLP_MODEL='nope'.*available: default, accurate"):
        resolve_model_dir()


def test_a_directory_in_the_cwd_is_a_path(models_root, tmp_path, monkeypatch):
    shutil.copytree(SHIPPED_MODEL, tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    assert resolve_model_dir("mine").resolve() == (tmp_path / "mine").resolve()


def test_cli_lists_names_and_rejects_an_unknown_one(models_root):
    runner = CliRunner()
    listed = runner.invoke(app, ["info", "--list"])
    assert listed.exit_code == ExitCode.OK and listed.stdout.split() == ["default", "accurate"]
    result = runner.invoke(app, ["tag", "太甜了", "--model", "nope"])
    assert result.exit_code == ExitCode.MODEL and "available: default, accurate" in result.stderr
    assert runner.invoke(app, ["info", "--model", "accurate"]).exit_code == ExitCode.OK
