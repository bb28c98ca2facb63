"""Workflows that cross domains: each is one function, in one database transaction, that views, the API,
management commands and the demo call (never a domain's steps one after another themselves).

| workflow | function | domains it crosses |
|---|---|---|
| open a cycle (for some of the club's groups); open the recurring cycles due | ``opening.open_cycle``, ``opening.open_recurring_cycles`` | ordering, distribution, contracts |
| save an order; orders keyed in from paper | ``orders.save_order``, ``orders.save_paper_orders`` | ordering, finance (prepaid rule) |
| close a cycle | ``closing.close_cycle``, ``closing.close_due_cycles`` | ordering, distribution, finance |
| record a delivery (club-wide, or at one depot) | ``reception.record_deliveries``, ``reception.record_depot_reception`` | ordering, distribution, finance |
| approve, start, renew a membership; leave a group | ``memberships`` | members, finance, ordering |
| a person leaves their household | ``households.leave_household`` | members, volunteering |
| export a person's data, erase a person | ``personal_data`` | every domain that names a person |
| post a transport plan's shares | ``transport.post_transport_shares`` | logistics, finance |
| import a bank statement (its lines left to match announced) | ``money.import_bank_statement`` | finance, notifications |
| decide a cost sheet | ``cost_sheets.decide_cost_sheet`` | catalog, contracts |
| sell a depot's surplus to a member | ``surplus.sell_surplus`` | distribution, finance |
| count containers brought back at a depot | ``deposits.record_container_returns`` | distribution, finance |
| post subscriptions' instalments due, settle ended seasons | ``subscriptions.post_due_instalments`` | contracts, distribution, finance |

``tasks.close_due_cycle`` closes one due cycle in the task queue (``tasks.queue_due_cycles`` fans them out);
the opening and the closing hand their e-mails to ``cabas.notifications`` after they commit.

A new workflow gets its own module here; a step that stays within one domain belongs to that domain's
``services.py``.
"""

from .closing import ClosingOutcome, close_cycle, close_due_cycles
from .cost_sheets import decide_cost_sheet
from .deposits import record_container_returns
from .households import leave_household
from .money import import_bank_statement, queue_bank_statement
from .memberships import apply_to_join, approve_membership, leave_group, renew_membership, start_membership
from .opening import open_cycle, open_recurring_cycles
from .personal_data import erase_member, export_member_data
from .reception import record_deliveries, record_depot_reception
from .orders import save_order, save_paper_orders
from .subscriptions import post_due_instalments
from .surplus import sell_surplus
from .transport import post_transport_shares

__all__ = [
    "ClosingOutcome", "apply_to_join", "approve_membership", "close_cycle", "close_due_cycles", "decide_cost_sheet", "erase_member",
    "export_member_data", "import_bank_statement", "queue_bank_statement", "leave_group", "leave_household", "open_cycle", "open_recurring_cycles", "post_due_instalments", "post_transport_shares", "record_container_returns", "record_deliveries",
    "record_depot_reception", "renew_membership", "save_order", "save_paper_orders", "sell_surplus", "start_membership",
]
