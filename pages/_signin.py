"""Sign-in for the app (Streamlit glue over :mod:`renewal.auth` and :mod:`renewal.signin`).

With a users file (``<workspace>/users.json`` or ``$RENEWAL_USERS_FILE``) every page asks for a name and
password first; the signed-in person is kept in the browser session and in a signed, expiring cookie (a
reload or a typed URL does not ask again), and shown in the sidebar with a sign-out button that ends the
person's sessions everywhere. Once sign-in is configured, a missing or unreadable users file stops every
page with a Chinese message (never the open mode). Wrong passwords are slowed down and then locked per
name and per address, with one message for an unknown name and a wrong password. Without a users file
(and no marker) nothing is asked (one planner on one machine, as before).
"""

from __future__ import annotations

import time
from typing import NoReturn

import streamlit as st
import streamlit.components.v1 as components

from pages.views.text import markdown_literal
from renewal import proxy_identity, signin
from renewal.auth import User, authenticate, users_path
from renewal.errors import InputError
from renewal.settings import workspace_dir
from renewal.storage import resolve_database

USER_KEY = "signed_in_user"
TOKEN_KEY = "signin_token"
CLEAR_KEY = "signin_clear_cookie"


@st.cache_resource(show_spinner=False)
def _throttle() -> signin.Throttle:
    """The wrong-password counts, kept in the workspace: shared by every browser session and every app
    process on this workspace, and kept across a restart."""
    url = resolve_database()
    if url:  # the counts of every app server on the team database
        from renewal.storage.team_users import TeamTally

        try:
            return signin.Throttle(tally=TeamTally(url))
        except InputError:  # the database does not answer: this workspace's counts meanwhile
            pass
    return signin.Throttle(workspace_dir())


def _refused(err: InputError) -> NoReturn:
    """Stop the page with the refusal (its text is never Markdown: it may name a path or a person)."""
    st.error(markdown_literal(err.message_zh))
    st.stop()


def _team_users() -> None:
    """With a team database, this server's users file refreshed from it (a user added on another server
    signs in here too); when the database does not answer, the last users read are used, and said."""
    url = resolve_database()
    if not url:
        return
    from renewal.storage.team_users import cache_signin_state, cache_users  # psycopg only with a database

    try:
        cache_users(url, users_path())
        cache_signin_state(url, workspace_dir())
    except InputError:
        st.sidebar.warning("暂时无法读取团队数据库，登录按本服务器上次读取的用户名单进行。")


def _users() -> dict[str, dict] | None:
    _team_users()
    try:
        return signin.users_for_app(users_path(), workspace_dir())
    except InputError as err:
        _refused(err)


def _from_cookie(users) -> User | None:
    user = signin.user_from_token(workspace_dir(), st.context.cookies.get(signin.COOKIE), users)
    if user is not None:
        st.session_state[USER_KEY] = user
    return user


def _from_proxy(header: str) -> User:
    """The person the office's proxy signed in (:mod:`renewal.proxy_identity`); the page stops otherwise."""
    users = _users()
    try:
        return proxy_identity.user_from_proxy(
            st.context.headers,
            # Streamlit reports the connection's own address (no X-Forwarded-For), and None for loopback
            st.context.ip_address or "127.0.0.1",
            users,
            header=header,
            proxies=proxy_identity.trusted_proxies(),
        )
    except InputError as err:
        _refused(err)


def current_user() -> User | None:
    """The signed-in person (their role as the users file says now), or None when sign-in is off or pending."""
    header = proxy_identity.header_name()
    if header is not None:
        return _from_proxy(header)
    users = _users()
    if users is None:
        return None
    user = st.session_state.get(USER_KEY)
    if user is None:
        return _from_cookie(users)
    entry = users.get(user.name)
    if entry is None:  # removed from the file meanwhile
        st.session_state.pop(USER_KEY, None)
        return None
    return User(entry["name"], entry["role"])


def sign_out() -> None:
    user = st.session_state.pop(USER_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[CLEAR_KEY] = True
    if user is not None:
        try:
            signin.sign_out_everywhere(workspace_dir(), user.name)
        except OSError:  # cannot record it: this browser's cookie is cleared all the same
            pass
        url = resolve_database()
        if url:  # every other app server on the team database ends the person's sessions too
            from renewal.storage.team_users import record_signout

            try:
                record_signout(url, user.name, time.time())
            except InputError:
                st.warning(
                    "暂时无法连接团队数据库：本服务器已退出登录，其他服务器上的登录将在数据库恢复后结束。"
                )


def _cookie_script(value: str, max_age: int) -> None:
    """Set (or with max_age 0, clear) the session cookie in the app's page (the component frame is same-origin)."""
    components.html(
        f"<script>parent.document.cookie = '{signin.COOKIE}={value}; path=/; max-age={max_age}; "
        "SameSite=Strict';</script>",
        height=0,
    )


def _try_sign_in(name: str, password: str) -> None:
    address = st.context.ip_address or "unknown"
    wait = _throttle().locked_for(name, address)
    if wait:
        st.error(signin.locked_message(wait))
        return
    found = authenticate(users_path(), name, password)
    if found is None:
        time.sleep(_throttle().failed(name, address))
        st.error(signin.WRONG_ZH)
        return
    _throttle().succeeded(name)
    st.session_state[USER_KEY] = found
    try:
        st.session_state[TOKEN_KEY] = signin.issue_token(workspace_dir(), found.name)
    except OSError:  # the workspace cannot hold the signing secret: signed in for this tab only
        st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(CLEAR_KEY, None)
    st.rerun()


def require_sign_in() -> None:
    """Show the sign-in form and stop the page until someone signs in (only when a users file exists)."""
    header = proxy_identity.header_name()
    if header is not None:  # signed in by the office's proxy: no form, no sign-out
        proxied = _from_proxy(header)
        st.sidebar.caption(f"当前用户：{markdown_literal(proxied.name)}（{proxied.role}，单位统一登录）")
        return
    if _users() is None:
        return
    user = current_user()
    if user is not None:
        with st.sidebar:
            st.caption(f"当前用户：{markdown_literal(user.name)}（{user.role}）")  # a name is never Markdown
            st.button("退出登录", key="sign_out", on_click=sign_out)  # runs before the next script run
            token = st.session_state.get(TOKEN_KEY)
            if token:
                _cookie_script(token, signin.TOKEN_HOURS * 3600)
        return
    if st.session_state.get(CLEAR_KEY):
        with st.sidebar:
            _cookie_script("", 0)
    st.subheader("请登录")
    with st.form("sign_in"):
        name = st.text_input("用户名", key="signin_name")
        password = st.text_input("密码", type="password", key="signin_password")
        if st.form_submit_button("登录"):
            _try_sign_in(name, password)
    st.stop()
