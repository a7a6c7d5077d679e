"""Folders on storage_path (s3://, gs:// or a folder every node mounts), reached through pyarrow's
file systems, the layer Ray itself keeps searches with. Ray is not imported: `report` uses this too.

A search on a cluster runs in a working directory that `ray down` or the end of a KubeRay job
deletes, so its own folder (manifest, tables, plots, the best trial's evaluation) is copied beside
Ray's experiment under storage_path; `report` fetches it back from there.
"""

from __future__ import annotations

from pathlib import Path

RAY_FOLDER = "ray"  # Ray's experiment inside a search's folder: trial folders and checkpoints


def is_uri(path: str | Path) -> bool:
    return "://" in str(path)


def _filesystem(target: str):
    import pyarrow.fs

    if is_uri(target):
        return pyarrow.fs.FileSystem.from_uri(target)
    return pyarrow.fs.LocalFileSystem(), str(Path(target).resolve())


def upload_folder(local: Path, target: str) -> None:
    """Copy every file under `local` to `target`, a URI or a local folder; files there already are replaced."""
    import pyarrow.fs

    filesystem, path = _filesystem(target)
    filesystem.create_dir(path, recursive=True)
    pyarrow.fs.copy_files(str(Path(local).resolve()), path, pyarrow.fs.LocalFileSystem(), filesystem, use_threads=False)


def download_folder(source: str, local: Path) -> int:
    """Copy `source`'s files to `local`, leaving out Ray's experiment folders (checkpoints, often GBs):
    what `report` reads is the search's own tables and plots. Returns how many files came."""
    import pyarrow.fs

    filesystem, root = _filesystem(source)
    infos = filesystem.get_file_info(pyarrow.fs.FileSelector(root, recursive=True))
    files = [info.path for info in infos if info.type == pyarrow.fs.FileType.File]
    wanted = [path for path in files if RAY_FOLDER not in Path(path).relative_to(root).parts[:-1]]
    for path in wanted:
        destination = Path(local) / Path(path).relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with filesystem.open_input_stream(path) as stream, open(destination, "wb") as out:
            out.write(stream.read())
    return len(wanted)
