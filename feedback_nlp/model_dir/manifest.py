"""``manifest.json``: the sha256 of every file of a model directory, checked at load.

The manifest lists every file under the directory except itself (hidden files aside).
Loading fails on a listed file that is missing or changed, and on a file that is not
listed: nothing in a model directory is unaccounted for.
"""

from __future__ import annotations

import hashlib
import json
from os import PathLike
from pathlib import Path

from feedback_nlp.errors import ChecksumMismatchError, ModelDirectoryError
from feedback_nlp.model_dir.layout import CONFIG_FILE, MANIFEST_FILE, REQUIRED_FILES

__all__ = ["sha256_file", "directory_files", "hash_directory", "write_manifest", "read_manifest", "verify_manifest"]

_MANIFEST_FORMAT = "feedback-nlp-manifest/1"


def sha256_file(path: str | PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def directory_files(root: Path) -> list[str]:
    """Relative POSIX paths of the files a manifest covers: all but the manifest and hidden files."""
    out = []
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        rel = p.relative_to(root).as_posix()
        if rel != MANIFEST_FILE and not any(part.startswith(".") for part in Path(rel).parts):
            out.append(rel)
    return out


def hash_directory(path: str | PathLike[str]) -> tuple[str, dict[str, str]]:
    """(sha256 of the directory, sha256 per file): the directory hash covers sorted ``relpath  sha256`` lines."""
    root = Path(path)
    files = {rel: sha256_file(root / rel) for rel in directory_files(root)}
    digest = hashlib.sha256("".join(f"{k}  {v}\n" for k, v in files.items()).encode("utf-8")).hexdigest()
    return digest, files


def write_manifest(model_dir: str | PathLike[str]) -> Path:
    """Record the sha256 of every file of ``model_dir`` in ``manifest.json``; call it after the last write."""
    root = Path(model_dir)
    _, files = hash_directory(root)
    path = root / MANIFEST_FILE
    path.write_text(json.dumps({"format": _MANIFEST_FORMAT, "sha256": files}, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(model_dir: str | PathLike[str]) -> dict[str, str]:
    """``relative path -> sha256`` from ``manifest.json``; :class:`ModelDirectoryError` when unusable."""
    path = Path(model_dir) / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelDirectoryError(f"cannot read {path}: {e}") from e
    files = data.get("sha256") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ModelDirectoryError(f"malformed {path}: expected {{\"sha256\": {{file: hex digest}}}}")
    return files


def verify_manifest(model_dir: str | PathLike[str]) -> dict[str, str]:
    """Check every file of ``model_dir`` against ``manifest.json``; return the manifest.

    Raises :class:`ChecksumMismatchError` for a changed file and :class:`ModelDirectoryError`
    for a listed file that is missing, a file that is not listed, or a contract file
    the manifest does not cover.
    """
    root = Path(model_dir)
    listed = read_manifest(root)
    uncovered = [name for name in REQUIRED_FILES if name != MANIFEST_FILE and name not in listed]
    if uncovered:
        raise ModelDirectoryError(f"{root / MANIFEST_FILE} does not cover {', '.join(uncovered)}; re-export the directory")
    present = directory_files(root)
    missing = sorted(set(listed) - set(present))
    if missing:
        raise ModelDirectoryError(f"model directory {str(root)!r} is missing {', '.join(missing)} listed in {MANIFEST_FILE}")
    unlisted = sorted(set(present) - set(listed))
    if unlisted:
        raise ModelDirectoryError(
            f"model directory {str(root)!r} holds {', '.join(unlisted)}, which {MANIFEST_FILE} does not list; "
            "remove it, or re-write the manifest if it belongs there (feedback_nlp.model_dir.write_manifest)"
        )
    changed = [rel for rel in sorted(listed) if sha256_file(root / rel) != listed[rel]]
    if changed:
        what = "the config" if changed == [CONFIG_FILE] else ", ".join(changed)
        raise ChecksumMismatchError(
            f"{root}: sha256 of {', '.join(changed)} differs from {MANIFEST_FILE}; {what} was changed or replaced "
            "after export. Re-export the directory, or restore the original files"
        )
    return listed
