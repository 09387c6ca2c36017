// Keyboard shortcuts for the agent portal: j/k move through lists, Enter opens,
// "/" searches, r replies, e escalates, ? shows the list; dialogs open from data-dialog
// buttons and the suggested draft goes into the reply box. Plain DOM, no framework.
(function () {
  "use strict";

  function isTyping(event) {
    const target = event.target;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  function listItems() {
    return Array.from(document.querySelectorAll("[data-nav-list] [data-nav-item]"));
  }

  function select(items, index) {
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (items[index]) {
      items[index].scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    const items = listItems();
    if (!items.length) return;
    const current = items.findIndex(function (item) {
      return item.getAttribute("aria-selected") === "true";
    });
    const next = current === -1 ? 0 : Math.min(Math.max(current + step, 0), items.length - 1);
    select(items, next);
  }

  function openSelected() {
    const selected = document.querySelector('[data-nav-item][aria-selected="true"]');
    if (selected && selected.dataset.href) {
      window.location.assign(selected.dataset.href);
      return true;
    }
    return false;
  }

  function showShortcuts() {
    const dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  // Put the suggested draft into the reply box, where the agent edits it before sending.
  function insertDraft(button) {
    const draft = document.querySelector(button.dataset.insertDraft);
    const reply = document.querySelector("#reply textarea");
    if (!draft || !reply) return;
    reply.value = draft.textContent.trim();
    reply.focus();
    reply.setSelectionRange(reply.value.length, reply.value.length);
    reply.scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) {
      showShortcuts();
      return;
    }
    const insert = event.target.closest("[data-insert-draft]");
    if (insert) {
      insertDraft(insert);
      return;
    }
    const opener = event.target.closest("[data-dialog]");
    if (opener) {
      const dialog = document.querySelector(opener.dataset.dialog);
      if (dialog && !dialog.open) {
        dialog.showModal();
        const first = dialog.querySelector("textarea, input, select");
        if (first) first.focus();
      }
      return;
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      closer.closest("dialog").close();
      return;
    }
    const row = event.target.closest("[data-nav-item]");
    if (row && !event.target.closest("a, button, input, select, textarea") && row.dataset.href) {
      window.location.assign(row.dataset.href);
    }
  });

  document.addEventListener("submit", function (event) {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Macros: "/" in an empty reply box opens the macro list; picking one writes its text.
  document.addEventListener("change", function (event) {
    const picker = event.target.closest("[data-macro-select]");
    if (!picker) return;
    const chosen = picker.selectedOptions[0];
    const reply = document.querySelector("#reply textarea");
    if (!reply || !chosen || !chosen.value) return;
    reply.value = chosen.dataset.body || "";
    reply.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const reply = event.target.closest("#reply textarea");
    const picker = document.querySelector("[data-macro-select]");
    if (!reply || !picker || reply.value.trim() !== "") return;
    event.preventDefault();
    picker.focus();
    if (typeof picker.showPicker === "function") {
      try {
        picker.showPicker();
      } catch {
        // Not allowed here (no user activation): the focused list still takes arrow keys.
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "Enter":
        if (!openSelected()) return;
        break;
      case "/": {
        const search = document.querySelector("[data-search]");
        if (!search) return;
        search.focus();
        break;
      }
      case "r": {
        const reply = document.querySelector("#reply textarea");
        if (!reply) return;
        reply.focus();
        break;
      }
      case "e": {
        const escalate = document.querySelector("[data-escalate]:not([disabled])");
        if (!escalate) return;
        escalate.click();
        break;
      }
      case "?":
        showShortcuts();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
