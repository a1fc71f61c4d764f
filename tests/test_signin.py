"""Sign-in: never open once configured, the users file's permissions, session tokens, throttling, and an
unknown name indistinguishable from a wrong password (message and time)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import pytest

from cli.main import main
from renewal import auth, signin
from renewal.errors import InputError


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users.json"
    auth.set_user(path, "张三", auth.EDITOR, "zhang-san-pw")
    auth.set_user(path, "王五", auth.VIEWER, "wang-wu-view")
    return path


def test_once_configured_a_missing_or_broken_users_file_refuses_never_opens(tmp_path, users):
    ws = tmp_path / "ws"
    assert signin.users_for_app(tmp_path / "nothing.json", ws) is None  # never configured: open, as before
    assert set(signin.users_for_app(users, ws)) == {"张三", "王五"}
    assert signin.signin_configured(ws)
    moved = users.rename(tmp_path / "elsewhere.json")
    with pytest.raises(InputError) as ei:
        signin.users_for_app(users, ws)  # the file disappeared (or $RENEWAL_USERS_FILE was mistyped)
    assert (
        "已启用登录，但找不到用户文件" in ei.value.message_zh
        and "不会以免登录方式开放" in ei.value.message_zh
    )
    users.write_text("{not json", encoding="utf-8")
    os.chmod(users, 0o600)
    with pytest.raises(InputError) as ei:
        signin.users_for_app(users, ws)
    assert "用户文件无法读取或格式错误" in ei.value.message_zh
    moved.rename(users)
    assert set(signin.users_for_app(users, ws)) == {"张三", "王五"}


def test_users_add_marks_sign_in_as_configured(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-good-password\n"))
    monkeypatch.delenv("RENEWAL_USERS_FILE", raising=False)
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "users", "add", "赵六", "--role", "编辑", "--password-stdin"]) == 0
    assert signin.signin_configured(ws)
    (ws / "users.json").unlink()
    with pytest.raises(InputError):
        signin.users_for_app(ws / "users.json", ws)


def test_a_users_file_others_may_read_or_change_is_refused(tmp_path, users):
    os.chmod(users, 0o644)
    with pytest.raises(InputError) as ei:
        signin.users_for_app(users, tmp_path)
    assert "chmod 600" in ei.value.message_zh and "644" in ei.value.message_zh
    os.chmod(users, 0o600)
    assert signin.users_for_app(users, tmp_path)


def test_session_tokens_last_expire_are_signed_and_end_at_sign_out(tmp_path, users):
    known = auth.load_users(users)
    now = time.time()
    token = signin.issue_token(tmp_path, "张三", now=now)
    assert signin.user_from_token(tmp_path, token, known, now=now + 3600) == auth.User("张三", auth.EDITOR)
    assert signin.user_from_token(tmp_path, token, known, now=now + signin.TOKEN_HOURS * 3600 + 1) is None
    forged = token.replace(token.split(".")[0], "546L5LqU")  # 王五's name with 张三's signature
    assert signin.user_from_token(tmp_path, forged, known) is None
    tampered = token[:-1] + ("1" if token[-1] == "0" else "0")  # a changed signature (never the same one)
    assert tampered != token
    assert signin.user_from_token(tmp_path, tampered, known) is None
    for junk in ("", "a.b", "x.y.z.w.v", None):
        assert signin.user_from_token(tmp_path, junk, known) is None
    assert oct(os.stat(tmp_path / signin.SECRET_FILE).st_mode & 0o777) == "0o600"
    other = signin.issue_token(tmp_path, "王五", now=now)
    time.sleep(0.01)
    signin.sign_out_everywhere(tmp_path, "张三")
    assert signin.user_from_token(tmp_path, token, known) is None  # every 张三 token issued before is gone
    assert signin.user_from_token(tmp_path, other, known) == auth.User("王五", auth.VIEWER)
    fresh = signin.issue_token(tmp_path, "张三")
    assert signin.user_from_token(tmp_path, fresh, known) is not None
    del known["张三"]  # removed from the users file: the token no longer signs in
    assert signin.user_from_token(tmp_path, fresh, known) is None


@pytest.fixture(params=["memory", "workspace-file"])
def throttles(request, tmp_path):
    """Make throttles on one clock: in memory, or on the workspace's shared file (each its own workspace)."""
    clock = [1000.0]
    made = []

    def make():
        where = None
        if request.param == "workspace-file":
            where = tmp_path / f"ws{len(made)}"
            where.mkdir()
        made.append(signin.Throttle(where, clock=lambda: clock[0]))
        return made[-1]

    return make, clock


def test_wrong_passwords_slow_down_then_lock_per_name_and_per_address(throttles):
    make, clock = throttles
    t = make()
    delays = [t.failed("张三", "10.0.0.1") for _ in range(signin.LOCK_AFTER)]
    assert delays[: signin.FREE_TRIES] == [0.0] * signin.FREE_TRIES
    assert all(b >= a for a, b in zip(delays, delays[1:], strict=False)) and delays[-1] > 0
    assert t.locked_for("张三", "10.0.0.9") > 0  # the name is locked from any address
    assert t.locked_for("李四", "10.0.0.1") > 0  # the address is locked for any name
    assert t.locked_for("李四", "10.0.0.9") == 0
    # an unknown name is counted exactly like a known one
    u = make()
    assert [u.failed("没有这个人", "10.0.0.2") for _ in range(signin.LOCK_AFTER)] == delays
    clock[0] += signin.LOCK_SECONDS + 1
    assert t.locked_for("张三", "10.0.0.1") == 0  # the lock is temporary
    assert "分钟后再试" in signin.locked_message(600)
    t.failed("张三", "10.0.0.1")
    t.succeeded("张三")  # the right password clears the name's count (not the address's)
    assert [t.failed("张三", "10.0.0.3") for _ in range(signin.FREE_TRIES)] == [0.0] * signin.FREE_TRIES


_GUESS = """
import sys
from pathlib import Path
from renewal import signin
t = signin.Throttle(Path(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    t.failed("张三", sys.argv[3])
"""


def test_the_counts_are_shared_by_every_app_process_on_the_workspace(tmp_path):
    """Two server processes (or one restarted) see each other's wrong tries: the old counts were per
    process, so 4 wrong tries on each of two servers never locked anything."""
    half = signin.LOCK_AFTER // 2
    for address in ("10.0.0.1", "10.0.0.2"):  # two processes, each below the lock on its own
        done = subprocess.run(
            [sys.executable, "-c", _GUESS, str(tmp_path), str(half), address],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    fresh = signin.Throttle(tmp_path)  # a third process, or the server after a restart
    assert fresh.locked_for("张三", "10.0.0.9") > signin.LOCK_SECONDS - 120
    assert fresh.locked_for("李四", "10.0.0.9") == 0
    assert (tmp_path / signin.ATTEMPTS_FILE).stat().st_mode & 0o077 == 0 or os.name == "nt"


def test_a_read_only_workspace_still_throttles_in_the_process(tmp_path):
    missing = tmp_path / "not-there"  # cannot hold the file: counted in memory, never an error
    t = signin.Throttle(missing)
    for _ in range(signin.LOCK_AFTER):
        t.failed("张三", "10.0.0.1")
    assert t.locked_for("张三", "10.0.0.1") > 0
    assert not missing.exists()


def test_unknown_name_and_wrong_password_do_the_same_work_and_answer(users, monkeypatch):
    auth.authenticate(users, "预热", "x")  # the one-time dummy hash is made outside the measurement
    calls = []
    real = auth.hashlib.scrypt
    monkeypatch.setattr(auth.hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert auth.authenticate(users, "张三", "wrong-password") is None
    wrong_work = len(calls)
    assert auth.authenticate(users, "不存在的人", "wrong-password") is None
    # one scrypt check each (the old code hashed a fresh password and then checked it: two for an unknown name)
    assert (wrong_work, len(calls) - wrong_work) == (1, 1)
    assert auth.authenticate(users, "张三", "zhang-san-pw") == auth.User("张三", auth.EDITOR)
    assert signin.WRONG_ZH == "用户名或密码不正确。"


def test_unknown_name_and_wrong_password_take_about_the_same_time(users):
    """Loosely (a shared machine is noisy): interleaved samples, medians within a factor of two."""
    auth.authenticate(users, "预热", "x")
    wrong, unknown = [], []
    for _ in range(7):
        for name, out in (("张三", wrong), ("不存在的人", unknown)):
            t0 = time.perf_counter()
            auth.authenticate(users, name, "wrong-password")
            out.append(time.perf_counter() - t0)
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2.0, (unknown, wrong)


def test_the_users_file_mode_is_checked_only_where_modes_mean_something(tmp_path, monkeypatch):
    """On Windows every file's st_mode looks open to all (access is by ACL): no refusal there."""
    from renewal import signin

    users = tmp_path / "users.json"
    users.write_text("{}", encoding="utf-8")
    users.chmod(0o644)
    with pytest.raises(InputError):
        signin.check_users_file_mode(users)
    monkeypatch.setattr(signin, "POSIX_MODES", False)
    signin.check_users_file_mode(users)  # no refusal
