/*
 * The helpdesk's chat widget. One tag on any website:
 *
 *   <script src="https://helpdesk.example.com/widget.js" data-site="SITE_KEY" defer></script>
 *
 * For a signed-in user of the site, add data-user-id and data-user-hash (HMAC-SHA256 of the
 * id with the site's identity secret, hex, computed on the site's server). The widget lives
 * in a shadow root with a stylesheet from the helpdesk (no inline script or style, no eval),
 * keeps the visitor's token in localStorage so a reload resumes the conversation, shows the
 * bot's answers at once and polls for agents' replies every two seconds while open.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.dataset.site) {
    console.error("helpdesk widget: the script tag needs data-site");
    return;
  }
  const base = new URL(script.src, document.baseURI).origin;
  const site = script.dataset.site;
  const title = script.dataset.title || "Chat with us";
  const storageKey = `helpdesk-widget:${base}:${site}`;
  const POLL_MS = 2000;

  let token = "";
  let lastId = 0;
  let pollTimer = null;
  let busy = false;

  function el(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  // The widget's own little DOM, in a shadow root.
  const host = el("div", { "data-helpdesk-widget": "" });
  const root = host.attachShadow({ mode: "open" });
  root.append(el("link", { rel: "stylesheet", href: `${base}/widget.css` }));

  const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "helpdesk-chat" }, title);
  const panel = el("section", { class: "panel", id: "helpdesk-chat", role: "dialog", "aria-label": title });
  panel.hidden = true;
  const header = el("div", { class: "header" });
  const heading = el("div");
  heading.append(el("h2", {}, title), el("p", { class: "status" }, "We usually answer at once."));
  const close = el("button", { class: "close", type: "button", "aria-label": "Close the chat" }, "×");
  header.append(heading, close);
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  const empty = el("p", { class: "empty" }, "Ask us anything: the assistant answers at once, and a person takes over when needed.");
  log.append(empty);
  const notice = el("p", { class: "notice", role: "status" });
  notice.hidden = true;
  const form = el("form", { class: "composer" });
  const label = el("label", { for: "helpdesk-message" }, "Your message");
  const input = el("textarea", { id: "helpdesk-message", name: "body", rows: "1", maxlength: "4000", placeholder: "Write a message…", required: "" });
  const send = el("button", { class: "send", type: "submit" }, "Send");
  form.append(label, input, send);
  panel.append(header, log, notice, form);
  root.append(panel, launcher);

  function say(text, isError = false) {
    notice.textContent = text;
    notice.hidden = !text;
    notice.classList.toggle("error", isError);
  }

  function render(messages) {
    for (const message of messages) {
      if (message.id <= lastId) continue;
      lastId = message.id;
      empty.hidden = true;
      const item = el("div", { class: `message ${message.role}`, "data-id": String(message.id) });
      if (message.role !== "customer") item.append(el("span", { class: "who" }, message.author || "Support"));
      item.append(el("div", { class: "text" }, message.body));
      log.append(item);
    }
    log.scrollTop = log.scrollHeight;
  }

  function show(answer) {
    if (answer.conversation && answer.conversation.handed_over) {
      root.querySelector(".status").textContent = "A person from our team is on it.";
    }
    render(answer.messages || []);
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Visitor ${token}`;
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      mode: "cors",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(problem(response.status, data));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function problem(status, data) {
    if (status === 429) return "You're sending messages quickly: please wait a moment.";
    if (status === 401) return "Your chat session ended. Reload the page to start a new one.";
    if (status === 403) return "This site cannot use the chat right now.";
    if (data && data.body) return [].concat(data.body).join(" ");
    return "We can't reach support right now. Please try again.";
  }

  async function start() {
    const saved = safeStorage("get");
    const request = { site, token: saved || "" };
    if (script.dataset.userId) {
      request.user_id = script.dataset.userId;
      request.user_hash = script.dataset.userHash || "";
    }
    try {
      const answer = await call("POST", "/api/widget/session/", request);
      token = answer.token;
      safeStorage("set", token);
      show(answer);
      if (answer.conversation) startPolling();
    } catch (error) {
      say(error.message, true);
    }
  }

  function safeStorage(action, value) {
    try {
      if (action === "get") return window.localStorage.getItem(storageKey);
      window.localStorage.setItem(storageKey, value);
    } catch {
      // Storage blocked (private mode, policies): the chat works, a reload starts anew.
    }
    return null;
  }

  async function poll() {
    if (!token || panel.hidden) return;
    try {
      show(await call("GET", `/api/widget/messages/?after=${lastId}`));
      if (!notice.classList.contains("error")) say("");
    } catch (error) {
      say(error.message, true);
    }
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = window.setInterval(poll, POLL_MS);
  }

  async function submit(event) {
    event.preventDefault();
    const body = input.value.trim();
    if (!body || busy || !token) return;
    busy = true;
    send.disabled = true;
    say("Sending…");
    try {
      const request = { body };
      if (script.dataset.userName) request.name = script.dataset.userName;
      const answer = await call("POST", "/api/widget/messages/", request);
      input.value = "";
      say("");
      show(answer);
      startPolling();
    } catch (error) {
      say(error.message, true);
    } finally {
      busy = false;
      send.disabled = false;
      input.focus();
    }
  }

  function open(state) {
    panel.hidden = !state;
    launcher.setAttribute("aria-expanded", String(state));
    if (state) {
      input.focus();
      log.scrollTop = log.scrollHeight;
      poll();
    } else {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => open(panel.hidden));
  close.addEventListener("click", () => open(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") open(false);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", submit);

  document.body.append(host);
  start();
})();
