"""Page helpers for the browser tests: one class per portal page, one method per agent step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Dialog, Locator, Page, expect

# The README's screenshots are taken at DESKTOP size, in the light scheme.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TICKET_URL = re.compile(r"/tickets/\d+/(#.*)?$")
CUSTOMER_URL = re.compile(r"/customers/\d+/$")


@dataclass
class PageProblems:
    """What went wrong in the page while the test drove it: none of it is ever expected."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def watch(cls, page: Page) -> PageProblems:
        problems = cls()
        page.on("console", problems._on_console)
        page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
        page.on("dialog", problems._on_dialog)
        return problems

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} at {message.location.get('url')}")

    def _on_dialog(self, dialog: Dialog) -> None:
        # An alert here means customer text ran as script; a confirm, an unexpected step.
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_none(self) -> None:
        assert not self.dialogs, f"the page opened dialogs: {self.dialogs}"
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"
        assert not self.console_errors, f"errors in the console: {self.console_errors}"


@dataclass
class Portal:
    """The agent portal in one browser tab."""

    page: Page
    base_url: str
    screenshot_dir: Path | None = None

    def goto(self, path: str) -> None:
        # domcontentloaded, not load: a plain load once hung on this machine.
        self.page.goto(self.base_url + path, wait_until="domcontentloaded")

    def log_in(self, *, username: str, password: str) -> QueuePage:
        self.goto("/")
        expect(self.page.get_by_role("heading", name="Log in to the helpdesk")).to_be_visible()
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url("**/tickets/", wait_until="domcontentloaded")
        return QueuePage(self)

    def screenshot(self, name: str, *, full_page: bool = False) -> None:
        """Save the page as `name` when SCREENSHOT_DIR is set (`make screenshots`)."""
        if self.screenshot_dir is not None:
            self.page.screenshot(
                path=self.screenshot_dir / name, full_page=full_page, animations="disabled"
            )

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Log out").click()
        self.page.wait_for_load_state("domcontentloaded")

    def has_horizontal_overflow(self) -> bool:
        return self.page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )


class QueuePage:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.page = portal.page
        self.rows = self.page.locator("[data-nav-list] [data-nav-item]")

    def row(self, reference: str) -> Locator:
        return self.rows.filter(has_text=reference)

    def open_by_click(self, reference: str) -> TicketPage:
        self.row(reference).get_by_role("link", name=reference).click()
        return TicketPage.opened(self.portal, reference)

    def open_by_keyboard(self, reference: str) -> TicketPage:
        """`j` down to the ticket's row, `Enter` to open it."""
        texts = self.rows.all_inner_texts()
        position = next(index for index, text in enumerate(texts) if reference in text)
        for _ in range(position + 1):
            self.page.keyboard.press("j")
        expect(self.row(reference)).to_have_attribute("aria-selected", "true")
        self.page.keyboard.press("Enter")
        return TicketPage.opened(self.portal, reference)


class TicketPage:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.page = portal.page
        self.title = self.page.locator(".ticket-title")
        self.messages = self.page.locator(".conversation .message")
        self.memory_panels = self.page.locator("#memory-panels")
        self.profile_panel = self.page.locator("#profile-panel")
        self.past_tickets_panel = self.page.locator("#past-tickets-panel")
        self.sync_panel = self.page.locator("#sync-panel")
        self.suggested_reply_panel = self.page.locator("#suggested-reply-panel")
        self.handoff_panel = self.page.locator("#handoff-panel")
        self.reply_box = self.page.locator("#reply textarea")
        self.flash = self.page.locator(".flash-stack")
        self.shortcuts = self.page.locator("dialog#shortcuts")

    @classmethod
    def opened(cls, portal: Portal, reference: str) -> TicketPage:
        portal.page.wait_for_url(TICKET_URL, wait_until="domcontentloaded")
        ticket = cls(portal)
        expect(ticket.title).to_contain_text(reference)
        return ticket

    def wait_for_memory(self) -> None:
        """The memory panels and the suggested reply replace their placeholders (htmx): a
        draft, or the note that none is needed while the customer has not answered us."""
        expect(self.sync_panel).to_be_visible()
        expect(self.memory_panels.locator("[aria-busy]")).to_have_count(0)
        expect(
            self.suggested_reply_panel.locator("[data-draft], [data-waiting-for-customer]")
        ).to_be_visible()

    def insert_suggestion(self) -> str:
        """Put the suggested draft into the reply box; return what the box holds."""
        self.suggested_reply_panel.get_by_role("button", name="Insert into reply").click()
        expect(self.reply_box).to_be_focused()
        return self.reply_box.input_value()

    def escalate_by_key(self, *, reason: str, to: str) -> None:
        """`e` opens the escalate dialog; give a reason and an agent, submit."""
        dialog = self.page.locator("dialog#escalate-dialog")
        self.page.keyboard.press("e")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Why").fill(reason)
        dialog.get_by_label("Hand to").select_option(to)
        dialog.get_by_role("button", name="Escalate").click()
        expect(self.flash).to_contain_text(f"escalated to {to}")
        self.wait_for_memory()

    def related_ticket_link(self, reference: str) -> Locator:
        return self.past_tickets_panel.get_by_role("link", name=re.compile(re.escape(reference)))

    def open_shortcuts_by_key(self) -> None:
        self.page.keyboard.press("?")
        expect(self.shortcuts).to_be_visible()

    def close_shortcuts(self) -> None:
        self.shortcuts.get_by_role("button", name="Close").click()
        expect(self.shortcuts).to_be_hidden()

    def send_reply(self, text: str | None = None) -> None:
        """`r` to the reply box, type (or keep what is there), send; wait for the new page."""
        count = self.messages.count()
        self.page.keyboard.press("r")
        expect(self.reply_box).to_be_focused()
        if text is not None:
            self.reply_box.fill(text)
        self.page.get_by_role("button", name="Send reply").click()
        expect(self.flash).to_contain_text(re.compile(r"Reply (sent by e-mail|added)"))
        expect(self.messages).to_have_count(count + 1)
        self.wait_for_memory()

    def open_customer(self, name: str) -> CustomerPage:
        self.page.locator(".customer-name").get_by_role("link", name=name).click()
        self.page.wait_for_url(CUSTOMER_URL, wait_until="domcontentloaded")
        customer = CustomerPage(self.portal)
        expect(customer.heading).to_have_text(name)
        return customer


class CustomerPage:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.page = portal.page
        self.heading = self.page.get_by_role("heading", level=1)
        self.profile_panel = self.page.locator("#profile-panel")
        self.tickets = self.page.locator("[data-nav-list] [data-nav-item]")
