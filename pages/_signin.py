"""Sign-in for the app (Streamlit glue over :mod:`renewal.auth`).

With a users file (``<workspace>/users.json`` or ``$RENEWAL_USERS_FILE``) every page asks
for a name and password first; the signed-in person is kept in the browser session and
shown in the sidebar with a sign-out button. Without a users file nothing is asked (one
planner on one machine, as before).
"""

from __future__ import annotations

import streamlit as st

from pages.views.text import markdown_literal
from renewal.auth import User, authenticate, load_users, users_path
from renewal.errors import InputError

USER_KEY = "signed_in_user"


def _users():
    try:
        return load_users(users_path())
    except InputError as err:
        st.error(err.message_zh)
        st.stop()


def current_user() -> User | None:
    """The signed-in person (their role as the users file says now), or None when sign-in is off or pending."""
    users = _users()
    user = st.session_state.get(USER_KEY)
    if users is None or user is None:
        return None
    entry = users.get(user.name)
    if entry is None:  # removed from the file meanwhile
        st.session_state.pop(USER_KEY, None)
        return None
    return User(entry["name"], entry["role"])


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)


def require_sign_in() -> None:
    """Show the sign-in form and stop the page until someone signs in (only when a users file exists)."""
    if _users() is None:
        return
    user = current_user()
    if user is not None:
        with st.sidebar:
            st.caption(f"当前用户：{markdown_literal(user.name)}（{user.role}）")  # a name is never Markdown
            st.button("退出登录", key="sign_out", on_click=sign_out)  # runs before the next script run
        return
    st.subheader("请登录")
    with st.form("sign_in"):
        name = st.text_input("用户名", key="signin_name")
        password = st.text_input("密码", type="password", key="signin_password")
        if st.form_submit_button("登录"):
            found = authenticate(users_path(), name, password)
            if found is None:
                st.error("用户名或密码不正确。")
            else:
                st.session_state[USER_KEY] = found
                st.rerun()
    st.stop()
