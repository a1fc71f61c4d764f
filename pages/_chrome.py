"""What every page gets from ``run_app`` (pages/_nav.py): the unexpected-error guard and Streamlit's own
widget texts in Chinese. Kept apart from pages/_ui.py, which imports the navigation (no import cycle)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.logger import get_logger

import geodata

#: What a planner reads when something unexpected fails (the details go to the server log only).
UNEXPECTED_ZH = "出现意外错误，已记录到服务器日志。请重试或刷新页面。"
_LOG = get_logger("renewal.pages")


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run a page (or a part of one) so an unexpected error never shows a traceback.

    The error and its traceback go to the server log; the planner sees :data:`UNEXPECTED_ZH` where the
    failing part would have been, and everything drawn before it (the sidebar's controls, the map)
    stays. ``st.stop()``/``st.rerun()`` pass through (they are not ``Exception``). ``run_app`` wraps
    every page in this; a page may wrap a part that can fail on its own so the parts after it still
    show.
    """
    try:
        yield
    except Exception:
        _LOG.exception("unexpected error in %s", what)
        st.error(UNEXPECTED_ZH, icon="⚠️")
        st.toast(UNEXPECTED_ZH, icon="⚠️")  # seen even when the failing part is below the fold


#: Streamlit's own widget texts (file uploader, select boxes, data tables) in Chinese. Streamlit 1.67 has
#: no setting for them, so :func:`localize_widgets` rewrites them in the browser. Exact texts …
WIDGET_TEXT_ZH = {
    "Drag and drop files here": "将文件拖到此处",
    "Drag and drop a file here": "将文件拖到此处",
    "Drag and drop directories here": "将文件夹拖到此处",
    "Upload": "选择文件",
    "Upload directories": "选择文件夹",
    "Browse files": "选择文件",
    "Choose an option": "请选择",
    "Choose options": "请选择（可多选）",
    "Choose or add an option": "请选择或输入",
    "Choose or add options": "请选择或输入（可多选）",
    "Add an option": "请输入",
    "Add options": "请输入（可多选）",
    "No options to select": "没有可选项",
    "No options to select.": "没有可选项",
    "No options": "没有可选项",
    "No results": "没有匹配项",
    "Select all": "全选",
    "Clear all": "全部清除",
    "Clear value": "清除",
    "Remove": "移除",
    "Delete": "删除",
    "Running...": "正在运行…",
    "Stop": "停止",
    "Search": "搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Download as CSV": "下载为CSV",
    "Show/hide columns": "显示/隐藏列",
    "File size is too small.": "文件是空的。",
    "empty": "（空）",
}
#: What Streamlit shows for an error outside :func:`guarded` (a widget callback) with
#: ``client.showErrorDetails = "none"`` (.streamlit/config.toml): shown as :data:`UNEXPECTED_ZH`.
WIDGET_TEXT_ZH[
    "This app has encountered an error. The original error message is redacted to prevent data leaks. "
    "Full error details have been recorded in the logs "
    "(if you're on Streamlit Cloud, click on 'Manage app' in the lower right of your app)."
] = UNEXPECTED_ZH
#: … and texts with a part that varies (a size, a file type, a count): [regex, replacement].
WIDGET_PATTERNS_ZH = (
    (r"^Limit (.+) per file$", "单个文件不超过 $1"),
    (r"^(.+) per file$", "单个文件不超过 $1"),
    (r"^(.*) files are not allowed\.$", "不支持此类文件（$1），请选择说明中列出的格式。"),
    (r"^This type of files are not allowed\.$", "不支持此类文件，请选择说明中列出的格式。"),
    (r"^File must be (.+) or smaller\.$", "文件不能大于 $1。"),
    (r"^Select (\d+) matches$", "选择 $1 个匹配项"),
    (r"^Help for (.+)$", "$1：说明"),
    (
        r"^You can only select up to (\d+) options?\. Remove an option first\.$",
        "最多可选 $1 项，请先移除一项。",
    ),
)
_LOCALIZE_JS = """
<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  const win = doc.defaultView || window;
  if (win.__renewalZh) return;
  win.__renewalZh = true;
  const exact = %(exact)s;
  const patterns = (%(patterns)s).map(([re, to]) => [new RegExp(re), to]);
  const ATTRS = ["placeholder", "aria-label", "title"];
  const zh = (text) => {
    const t = text.trim();
    if (!t) return null;
    if (Object.prototype.hasOwnProperty.call(exact, t)) return text.replace(t, exact[t]);
    for (const [re, to] of patterns) if (re.test(t)) return text.replace(t, t.replace(re, to));
    return null;
  };
  const fix = (node) => {
    if (node.nodeType === 3) {
      const out = zh(node.nodeValue);
      if (out !== null && out !== node.nodeValue) node.nodeValue = out;
      return;
    }
    if (node.nodeType !== 1 || node.tagName === "SCRIPT" || node.tagName === "STYLE") return;
    for (const a of ATTRS) {
      const v = node.getAttribute(a);
      const out = v === null ? null : zh(v);
      if (out !== null && out !== v) node.setAttribute(a, out);
    }
    for (const child of node.childNodes) fix(child);
  };
  fix(doc.body);
  new win.MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "characterData") fix(c.target);
      else if (c.type === "attributes") fix(c.target);
      else c.addedNodes.forEach(fix);
    }
  }).observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                         attributeFilter: ATTRS});
})();
</script>
"""


def localize_widgets() -> None:
    """Show Streamlit's own widget texts in Chinese (:data:`WIDGET_TEXT_ZH`, :data:`WIDGET_PATTERNS_ZH`).

    One script, run once per browser tab: it rewrites those texts (and the placeholder, aria-label and
    title attributes) wherever Streamlit draws them, now and whenever they appear later. Only our own
    constant texts are put into the script (no data)."""
    script = _LOCALIZE_JS % {
        "exact": json.dumps(WIDGET_TEXT_ZH, ensure_ascii=False),
        "patterns": json.dumps(WIDGET_PATTERNS_ZH, ensure_ascii=False),
    }
    with st.sidebar:
        st.html(script, unsafe_allow_javascript=True, width="content")


def licence_footer() -> None:
    """At the foot of every page: which bundled base data may not be passed on (``redistribute: false``
    in the manifest), and how an office replaces it with its official data."""
    closed = geodata.not_redistributable()
    if not closed:
        return
    names = "、".join(m.title_zh for m in closed)
    st.caption(
        f"数据许可：内置的{names}来自高德地图衍生数据或无明确许可，仅供内部研究与原型使用，"
        "不得对外分发或公开发布；正式成果请在“数据管理”中导入测绘部门提供的官方数据替换。"
    )
