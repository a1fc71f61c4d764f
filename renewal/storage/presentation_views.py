"""The planner's own views of 汇报模式, kept in the workspace (issue 22).

A view a planner adds from a page map is a *snapshot*: its title, the page it came from, the extent
(WGS84 bounds), the basemap, the keys of the map's layers (:mod:`layers.registry`) and the features each
layer drew at that moment, so a view of computed results (coverage catchments, a what-if) is redrawn as it
was, and the map's layer switches (``switches``: layer key -> on/off as the planner left them in the
browser; a view saved before they were recorded has none, and its slide shows each layer's default). Files, in ``<workspace>/presentation/``:

- ``views.json``: the views (newest last), the saved slide order (``null``: the default, the built-in views
  then the planner's in the order added) and a history of every change (who, when, what);
- ``<view id>.gpkg``: one GeoPackage per view, one table per layer key.

Every change is for an :class:`~renewal.storage.access.Actor` (a 查看 one is refused), is checked before
anything is written (a bad title, extent or order changes nothing), and writes through
:mod:`renewal.io.atomic` (the view's GeoPackage first, then ``views.json``: a killed writer leaves the old
presentation, at most with an unused GeoPackage). Changes are serialised by a lock file, so two planners
adding at once both keep their view.

With a team database (``database=`` or ``$RENEWAL_DATABASE_URL``) the presentation is one of the shared
files kept there (kind ``presentation``, a shared folder: :mod:`renewal.storage.postgis_layers`): a change
reads the recorded version and files, makes the new ``views.json`` and GeoPackage, and saves them with a
catalogue and history row (who, when, version) only if the version is still the one read (else it reads
again and retries: two servers adding at once both keep their view). This server's folder is then brought
up to date; every other server's by the pages' sync before their next run
(:func:`renewal.storage.layer_stores.sync_shared_files`), so all of them read the same folder layout.
"""

from __future__ import annotations

import json
import math
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

import geopandas as gpd

from renewal.errors import ConflictError, InputError, StoreError
from renewal.io.atomic import write_bytes_atomic, write_text_atomic
from renewal.settings import workspace_dir
from renewal.sites.schema import clean_text, control_characters
from renewal.storage import resolve_database
from renewal.storage.access import Actor, require_editor
from renewal.storage.layers import FileChange

FOLDER = "presentation"
INDEX = "views.json"
LOCK = ".views.lock"
#: Longest slide title (characters): one line on a 1366-pixel screen.
MAX_TITLE = 30
#: Most planner views one presentation keeps.
MAX_VIEWS = 50
ID_PREFIX = "v-"
#: The shared-file kind of the presentation in a team database.
KIND = "presentation"
#: How often a change is tried again when another server saved the presentation meanwhile.
RETRIES = 20

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class SavedView:
    """A planner's view: what the slide shows and who added it when (``added_at``: UTC ISO time)."""

    view_id: str
    title: str
    page: str
    extent: Bounds
    basemap: str
    layers: tuple[str, ...]
    who: str
    added_at: str
    #: The map's layer switches when the view was added (layer key, on), in the map's order; empty for a
    #: view saved before they were recorded (every layer then keeps its default visibility).
    switches: tuple[tuple[str, bool], ...] = ()

    @property
    def switched(self) -> dict[str, bool]:
        return dict(self.switches)


@dataclass(frozen=True)
class SavedDeck:
    """The workspace's presentation: the planner's views and the saved order (None: the default)."""

    views: tuple[SavedView, ...] = ()
    order: tuple[str, ...] | None = None
    history: tuple[dict[str, str], ...] = field(default=())

    def view(self, view_id: str) -> SavedView:
        for v in self.views:
            if v.view_id == view_id:
                return v
        raise InputError(f"No view {view_id!r} in the presentation", "汇报中没有这个视图（可能已被删除）。")


def folder(workspace: Path | None = None) -> Path:
    return (workspace_dir() if workspace is None else Path(workspace)) / FOLDER


def check_title(title: str) -> str:
    """A slide title: not empty, one line, at most :data:`MAX_TITLE` characters, no control characters."""
    text = clean_text(title)
    if not text:
        raise InputError("The view title is empty", "请填写视图标题。")
    bad = control_characters(text, single_line=True)
    if bad:
        raise InputError(
            f"The view title contains control characters ({', '.join(bad)})",
            f"视图标题含有控制字符（{'、'.join(bad)}），请删除。",
        )
    if len(text) > MAX_TITLE:
        raise InputError(
            f"The view title is longer than {MAX_TITLE} characters ({len(text)})",
            f"视图标题超过{MAX_TITLE}个字（{len(text)}个），请缩短（一行显示）。",
        )
    return text


def check_extent(extent: Sequence[float]) -> Bounds:
    """WGS84 bounds (west, south, east, north) of a real, non-empty area."""
    try:
        w, s, e, n = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise InputError("The view has no extent", "地图尚未报告当前范围，请稍候再添加。") from None
    ok = all(math.isfinite(v) for v in (w, s, e, n)) and -180 <= w < e <= 180 and -90 <= s < n <= 90
    if not ok:
        raise InputError(f"Not a WGS84 extent: {extent!r}", "地图范围无效，请重新缩放地图后再添加。")
    return (w, s, e, n)


#: Longest layer key kept in a view's switches (registered keys are short; ``imported:<name>`` at most 49).
MAX_KEY = 200


def check_switches(switches: Mapping[str, bool] | None) -> tuple[tuple[str, bool], ...]:
    """A map's layer switches (layer key -> on) as kept: keys one line of at most :data:`MAX_KEY`
    characters, values True/False; anything else is an :class:`InputError` (the page checks the browser's
    report against the map's own keys first, so this is a damaged file or a programming error)."""
    if switches is None:
        return ()
    bad = InputError(f"Not a record of layer switches: {switches!r}", "地图图层开关的记录无效，未添加。")
    if not isinstance(switches, Mapping):
        raise bad
    out = []
    for key, on in switches.items():
        if (
            not isinstance(key, str)
            or not key
            or len(key) > MAX_KEY
            or control_characters(key, single_line=True)
        ):
            raise bad
        if not isinstance(on, bool):
            raise bad
        out.append((key, on))
    return tuple(out)


def _record(data: Mapping[str, Any]) -> SavedView:
    return SavedView(
        view_id=str(data["view_id"]),
        title=str(data["title"]),
        page=str(data.get("page", "")),
        extent=check_extent(data["extent"]),
        basemap=str(data.get("basemap", "")),
        layers=tuple(str(k) for k in data["layers"]),
        who=str(data.get("who", "")),
        added_at=str(data.get("added_at", "")),
        switches=check_switches(data.get("switches")),  # absent in views saved before: defaults
    )


def load_deck(workspace: Path | None = None) -> SavedDeck:
    """The saved presentation (empty when nothing was saved). A damaged ``views.json`` is an InputError.
    With a team database this is this server's copy, brought up to date by the pages' sync."""
    path = folder(workspace) / INDEX
    if not path.is_file():
        return SavedDeck()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise _damaged(str(path), err) from err
    return _parse(text, str(path))


def _damaged(where: str, err: Exception) -> InputError:
    return InputError(
        f"The saved presentation {where} cannot be read: {err}",
        "工作区中保存的汇报视图文件已损坏，无法读取；请联系管理员检查 presentation/views.json。",
    )


def _parse(text: str, where: str) -> SavedDeck:
    try:
        doc = json.loads(text)
        views = tuple(_record(v) for v in doc.get("views", []))
        order = doc.get("order")
        history = tuple(dict(h) for h in doc.get("history", []))
        return SavedDeck(views, None if order is None else tuple(str(k) for k in order), history)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise _damaged(where, err) from err


def _text(deck: SavedDeck) -> str:
    """``views.json`` of ``deck``."""
    doc = {
        "format": 1,
        "views": [
            {**asdict(v), "extent": list(v.extent), "layers": list(v.layers), "switches": v.switched}
            for v in deck.views
        ],
        "order": None if deck.order is None else list(deck.order),
        "history": list(deck.history),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def _gpkg_name(view_id: str) -> str:
    return f"{view_id}.gpkg"


if sys.platform == "win32":
    import msvcrt

    def _lock(fh: IO[str]) -> None:
        msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # retries for 10 s, then OSError

    def _unlock(fh: IO[str]) -> None:
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fh: IO[str]) -> None:
        fcntl.flock(fh, fcntl.LOCK_EX)

    def _unlock(fh: IO[str]) -> None:
        fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _locked(workspace: Path | None) -> Iterator[SavedDeck]:
    """The deck as saved, read under the lock that serialises every change."""
    base = folder(workspace)
    base.mkdir(parents=True, exist_ok=True)
    with open(base / LOCK, "a+") as lock:
        lock.seek(0)
        _lock(lock)
        try:
            yield load_deck(workspace)
        finally:
            _unlock(lock)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _logged(
    deck: SavedDeck, actor: Actor, action: str, view_id: str, title: str
) -> tuple[dict[str, str], ...]:
    row = {"action": action, "view_id": view_id, "title": title, "who": actor.label, "at": _now()}
    return (*deck.history, row)


def _gpkg_bytes(layers: Mapping[str, gpd.GeoDataFrame]) -> bytes:
    """One GeoPackage of ``layers``, one table per layer key, in drawing order."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "view.gpkg"
        for i, (key, gdf) in enumerate(layers.items()):
            gdf.to_file(path, layer=key, driver="GPKG", mode="w" if i == 0 else "a")
        return path.read_bytes()


#: A change of the presentation: the saved deck -> the new deck (an InputError changes nothing).
Edit = Callable[[SavedDeck], SavedDeck]


def _change(
    actor: Actor,
    edit: Edit,
    workspace: Path | None,
    database: str | None,
    files: Mapping[str, bytes] | None = None,
) -> None:
    """Apply ``edit`` with the new view files ``files`` (file name -> content): in the team database when
    one is set, else in the workspace's folder under its lock file."""
    require_editor(actor)
    url = resolve_database(database)
    if url:
        _team_change(url, actor, edit, workspace, dict(files or {}))
        return
    with _locked(workspace) as deck:
        new = edit(deck)
        base = folder(workspace)
        for name, content in (files or {}).items():
            write_bytes_atomic(base / name, content)
        write_text_atomic(base / INDEX, _text(new))
    for view_id in {v.view_id for v in deck.views} - {v.view_id for v in new.views}:
        (folder(workspace) / _gpkg_name(view_id)).unlink(missing_ok=True)


def _team_change(url: str, actor: Actor, edit: Edit, workspace: Path | None, files: dict[str, bytes]) -> None:
    """``edit`` as a recorded save of the shared folder, retried while another server saves meanwhile."""
    from renewal.storage.postgis_layers import TeamLayerStore, read_manifest, sha256  # psycopg only then

    store = TeamLayerStore(url)
    root = folder(workspace).parent
    index = f"{FOLDER}/{INDEX}"
    for _ in range(RETRIES):
        found = store.shared_file(KIND)
        version, held = (found[0], dict(read_manifest(found[1]))) if found else (0, {})
        deck = _parse(store.blob(held[index], KIND).decode("utf-8"), index) if index in held else SavedDeck()
        new = edit(deck)
        text = _text(new).encode("utf-8")
        parts = []
        for v in new.views:
            name = f"{FOLDER}/{_gpkg_name(v.view_id)}"
            digest = (
                sha256(files[_gpkg_name(v.view_id)]) if _gpkg_name(v.view_id) in files else held.get(name)
            )
            if digest is None:
                raise StoreError(
                    f"The team database has no file of view {v.view_id}", "团队数据库中缺少视图的图层文件。"
                )
            parts.append((name, digest))
        change = _folder_change(
            root, [*parts, (index, sha256(text))], (*files.values(), text), len(new.views)
        )
        try:
            store.replace_files([change], actor=actor, expected={KIND: version})
        except ConflictError:  # another server saved it since it was read: read again
            time.sleep(random.uniform(0.02, 0.2))
            continue
        try:
            store.sync(root)
        except InputError:
            pass  # saved; this server's copy follows at the next page run's sync
        return
    raise StoreError(
        f"The presentation kept changing on other servers; tried {RETRIES} times, nothing was changed.",
        "汇报正被其他人连续修改，本次修改未保存，请稍后重试。",
    )


def _folder_change(
    root: Path, parts: list[tuple[str, str]], blobs: tuple[bytes, ...], count: int
) -> FileChange:
    """The recorded save of the presentation folder: its manifest (``parts``: workspace path, SHA-256; the
    index last) and the new contents it names."""
    from renewal.storage.postgis_layers import manifest_bytes, manifest_path

    return FileChange(
        KIND,
        manifest_path(root, KIND),
        partial(Path.write_bytes, data=manifest_bytes(parts)),
        "汇报视图",
        count,
        blobs=blobs,
    )


def workspace_change(workspace: Path) -> FileChange | None:
    """The workspace's own presentation (no team database) as a save of the shared folder, for ``workspace
    push``; None when it has none. A damaged or incomplete one is an InputError (nothing is pushed)."""
    from renewal.storage.postgis_layers import sha256

    deck = load_deck(workspace)
    if not (folder(workspace) / INDEX).is_file():
        return None
    contents = {}
    for v in deck.views:
        path = folder(workspace) / _gpkg_name(v.view_id)
        try:
            contents[f"{FOLDER}/{path.name}"] = path.read_bytes()
        except OSError as err:
            raise _damaged(str(path), err) from err
    contents[f"{FOLDER}/{INDEX}"] = (folder(workspace) / INDEX).read_bytes()
    parts = [(name, sha256(data)) for name, data in contents.items()]
    return _folder_change(Path(workspace), parts, tuple(contents.values()), len(deck.views))


def add_view(  # noqa: PLR0913
    actor: Actor,
    *,
    title: str,
    page: str,
    extent: Sequence[float],
    basemap: str,
    layers: Mapping[str, gpd.GeoDataFrame],
    switches: Mapping[str, bool] | None = None,
    workspace: Path | None = None,
    database: str | None = None,
) -> SavedView:
    """Add a view (its layers' features in WGS84, by layer key, in drawing order) after the others.
    ``switches``: the map's layer switches as the planner left them (layer key -> on; None: not known, the
    slide shows each layer's default visibility)."""
    require_editor(actor)
    text = check_title(title)
    kept_switches = check_switches(switches)
    bounds = check_extent(extent)
    if not layers:
        raise InputError("The map has no layer to keep", "地图上没有可保存的图层，未添加。")
    bad = [k for k, g in layers.items() if g.crs is None or not g.crs.equals("EPSG:4326")]
    if bad:
        raise InputError(f"Layers not in WGS84: {bad}", "图层坐标系不是 WGS84，未添加。")
    view_id = f"{ID_PREFIX}{uuid.uuid4().hex[:10]}"
    content = _gpkg_bytes(layers)
    added: list[SavedView] = []

    def edit(deck: SavedDeck) -> SavedDeck:
        if len(deck.views) >= MAX_VIEWS:
            raise InputError(
                f"The presentation already has {MAX_VIEWS} added views",
                f"汇报中已有{MAX_VIEWS}个添加的视图，请先删除不用的视图。",
            )
        view = SavedView(
            view_id=view_id,
            title=text,
            page=clean_text(page),
            extent=bounds,
            basemap=basemap,
            layers=tuple(layers),
            who=actor.label,
            added_at=_now(),
            switches=kept_switches,
        )
        added[:] = [view]
        order = None if deck.order is None else (*deck.order, view.view_id)
        history = _logged(deck, actor, "add", view.view_id, text)
        return replace(deck, views=(*deck.views, view), order=order, history=history)

    _change(actor, edit, workspace, database, {_gpkg_name(view_id): content})
    return added[0]


def remove_view(
    actor: Actor, view_id: str, workspace: Path | None = None, *, database: str | None = None
) -> None:
    """Remove a planner's view (its GeoPackage goes after the index no longer names it)."""

    def edit(deck: SavedDeck) -> SavedDeck:
        view = deck.view(view_id)
        views = tuple(v for v in deck.views if v.view_id != view_id)
        order = None if deck.order is None else tuple(k for k in deck.order if k != view_id)
        history = _logged(deck, actor, "remove", view_id, view.title)
        return replace(deck, views=views, order=order, history=history)

    _change(actor, edit, workspace, database)


def save_order(
    actor: Actor, order: Sequence[str] | None, workspace: Path | None = None, *, database: str | None = None
) -> None:
    """Save the slide order (keys of built-in views and view ids; None: back to the default order).
    Every planner's view must be in it, once."""
    keys = None if order is None else tuple(str(k) for k in order)

    def edit(deck: SavedDeck) -> SavedDeck:
        if keys is not None:
            ids = {v.view_id for v in deck.views}
            if len(set(keys)) != len(keys) or not ids <= set(keys):
                raise InputError(
                    "The order must name every added view once",
                    "顺序与已保存的视图不一致（可能有人刚修改了汇报），请刷新页面后重试。",
                )
            unknown = [k for k in keys if k.startswith(ID_PREFIX) and k not in ids]
            if unknown:
                raise InputError(
                    f"Unknown views in the order: {unknown}", "顺序中有已删除的视图，请刷新页面后重试。"
                )
        history = _logged(deck, actor, "order" if keys is not None else "reset", "", "")
        return replace(deck, order=keys, history=history)

    _change(actor, edit, workspace, database)


def slide_order(builtin: Sequence[str], deck: SavedDeck) -> list[str]:
    """The slides' keys in presentation order: the saved order (keys no longer available dropped), then any
    available key it does not name; by default the built-in views, then the planner's in the order added."""
    available = [*builtin, *(v.view_id for v in deck.views)]
    if deck.order is None:
        return available
    known = set(available)
    first = [k for k in deck.order if k in known]
    return first + [k for k in available if k not in set(first)]


def view_layers(view: SavedView, workspace: Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The features the view's layers drew when it was added (WGS84), by layer key in drawing order."""
    path = folder(workspace) / f"{view.view_id}.gpkg"
    try:
        return {key: gpd.read_file(path, layer=key) for key in view.layers}
    except Exception as err:  # a missing or damaged file, whatever GDAL calls it
        raise InputError(
            f"The layers of view {view.title!r} cannot be read from {path}: {err}",
            f"视图“{view.title}”的图层文件缺失或已损坏，无法绘制；请删除该视图后重新添加。",
        ) from err
