// Sign-in for people: "Sign in" opens a small form that posts to /auth/login; once signed in,
// the panel shows the name and "Sign out". Contamap.session is GET /auth/me's answer (name,
// role, organisation, csrf_token) or null, and Contamap.csrfHeaders() the header each change
// made with the session must send; "contamap:session" is dispatched when either changes.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.session = null;
Contamap.csrfHeaders = () => (Contamap.session ? { "X-CSRF-Token": Contamap.session.csrf_token } : {});

const byId = (id) => document.getElementById(id);
const JSON_ACCEPT = { Accept: "application/json" };

const show = (session) => {
  Contamap.session = session;
  const form = byId("auth-form");
  byId("auth-open").hidden = Boolean(session);
  byId("auth-user").hidden = !session;
  byId("auth-name").textContent = session ? session.name : "";
  if (session) {
    form.hidden = true;
    form.reset();
    byId("auth-open").setAttribute("aria-expanded", "false");
  }
  document.dispatchEvent(new CustomEvent("contamap:session", { detail: session }));
};

Contamap.refreshSession = async () => {
  const response = await fetch(`${Contamap.BASE}/auth/me`, { headers: JSON_ACCEPT });
  show(response.ok ? await response.json() : null);
  // A cookie whose session ended (idle, disabled) is cleared, so the next page asks nothing.
  if (response.status === 401) await fetch(`${Contamap.BASE}/auth/logout`, { method: "POST" });
  return Contamap.session;
};

const signIn = async (event) => {
  event.preventDefault();
  const status = byId("auth-status");
  status.textContent = Contamap.t("loading");
  const response = await fetch(`${Contamap.BASE}/auth/login`, {
    method: "POST",
    headers: JSON_ACCEPT,
    body: new URLSearchParams(new FormData(event.target)),
  });
  if (response.ok) {
    status.textContent = "";
    show(await response.json());
    byId("auth-sign-out").focus();
    return;
  }
  const wait = response.headers.get("Retry-After");
  const key = { 401: "auth_wrong", 429: "auth_locked" }[response.status] || "auth_failed";
  status.textContent = Contamap.t(key, { minutes: Math.ceil(Number(wait) / 60) });
  byId("auth-password").value = "";
  byId("auth-password").focus();
};

const signOut = async () => {
  await fetch(`${Contamap.BASE}/auth/logout`, { method: "POST", headers: Contamap.csrfHeaders() });
  show(null);
  byId("auth-open").focus();
};

const toggleForm = () => {
  const form = byId("auth-form");
  form.hidden = !form.hidden;
  byId("auth-open").setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) byId("auth-username").focus();
};

byId("auth-open").addEventListener("click", toggleForm);
byId("auth-form").addEventListener("submit", signIn);
byId("auth-sign-out").addEventListener("click", signOut);
// The page says whether the browser sent a session cookie: without one, no one is signed in.
if (byId("account").dataset.session) Contamap.refreshSession();
else show(null);
