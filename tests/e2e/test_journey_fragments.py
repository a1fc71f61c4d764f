"""Issue 22 (every action in about a second): a planner's click reruns only the part of the page it
changes. Read from what the server sends the browser (Streamlit's ForwardMsg over the page's websocket):
after a 生活圈覆盖 category or life-circle switch every element sent belongs to the results fragment
(the inputs, the readiness table and the supply-and-demand section are not sent again), and the answer is on
the page (the statistics of the one category left)."""

from __future__ import annotations

from tests.e2e import harness


class Deltas:
    """The elements the server sends to one page: (fragment id, element kind) per delta, in order."""

    def __init__(self, page):
        self.sent: list[tuple[str, str]] = []
        self.finished = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        msg = ForwardMsg.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "delta":
            d = msg.delta
            what = d.WhichOneof("type") or ""
            el = d.new_element.WhichOneof("type") if what == "new_element" else what
            self.sent.append((d.fragment_id, el or ""))
        elif kind == "script_finished":
            self.finished += 1

    def clear(self) -> None:
        self.sent.clear()


def test_a_coverage_switch_reruns_only_its_results(chromium, app):
    with harness.planner(chromium, app, "fragments-coverage") as p:
        deltas = Deltas(p.page)
        p.open("coverage")
        p.map()
        assert deltas.sent and any(not f for f, _ in deltas.sent)  # a page run sends the whole page
        box = p.page.get_by_role("combobox", name="设施类别", exact=True).first
        for _ in range(2):  # two categories off, one after the other
            deltas.clear()
            box.click()
            box.press("Backspace")
            p.page.keyboard.press("Escape")
            p.idle()
            assert deltas.sent, "the switch sent nothing"
            outside = [k for f, k in deltas.sent if not f]
            assert not outside, f"elements outside the results fragment sent again: {outside}"
            assert len({f for f, _ in deltas.sent}) == 1
        deltas.clear()
        circle = p.page.get_by_role("combobox", name="生活圈", exact=True).first
        circle.click()
        p.page.get_by_role("option", name="十五分钟生活圈居住区（1000米）", exact=True).click()
        p.idle()
        assert deltas.sent and not [k for f, k in deltas.sent if not f]
        shown = circle.input_value() or circle.inner_text() or p.main_text()
        assert "十五分钟生活圈居住区（1000米）" in shown
        assert "学位与床位（供需）" in p.main_text()  # the section below the fragment is still there
        p.check_page()
