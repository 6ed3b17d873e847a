"""Confirmations and small forms: nothing changes until the operator says yes."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from gitops_tui.text import clean


class Confirm(ModalScreen[bool]):
    """A yes/no question with a scrollable body (what will change, what will be pruned).
    Title and body are plain text: they quote commit subjects, objects and errors."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("y", "confirm", "Yes"),
        Binding("n", "cancel", "No"),
    ]

    def __init__(self, title: str, body: str, yes: str = "Confirm", id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text, self.body, self.yes = title, body, yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(clean(self.title_text), classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(clean(self.body), markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass
class PauseRequest:
    reason: str
    duration: str


class PauseModal(ModalScreen[PauseRequest | None]):
    """Why and for how long selfHeal pauses (default 30m)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, app_name: str) -> None:
        super().__init__(id="pause-modal")
        self.app_name = app_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                clean(f"Pause selfHeal of {self.app_name}"), classes="dialog-title", markup=False
            )
            yield Label("Reason (shown to everyone, kept in the audit log)")
            yield Input(placeholder="debugging INC-1234", id="reason")
            yield Label("For (e.g. 30m, 1h, 2h30m)")
            yield Input(value="30m", id="duration")
            yield Static("", id="pause-error", classes="error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Pause", variant="warning", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def _submit(self) -> None:
        from gitops_tui.cli import parse_duration

        reason = self.query_one("#reason", Input).value.strip()
        duration = self.query_one("#duration", Input).value.strip() or "30m"
        error = self.query_one("#pause-error", Static)
        if not reason:
            error.update("A reason is required: the next operator will read it.")
            return
        try:
            parse_duration(duration)
        except Exception as e:
            error.update(clean(str(e)))
            return
        self.dismiss(PauseRequest(reason, duration))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "reason":
            self.query_one("#duration", Input).focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
