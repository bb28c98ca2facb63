"""Returnable containers at the depot: the page where a group's coordinator counts, on a phone, what each
household brought back at a distribution (its deposits refunded on its account), with the depot's balance."""

from __future__ import annotations

import re
from collections import defaultdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cabas.core.errors import ActionError
from cabas.distribution.containers import holdings
from cabas.flows import record_container_returns
from cabas.members.models import Household
from cabas.ordering import deposits

from ..access import cycle_for_coordination, distribution_for_user
from ..feedback import flash_errors
from .coordination import coordinator_required

FIELD = re.compile(r"r-(\d{1,12})-(\d{1,12})\Z")
COUNT = re.compile(r"[0-9]{1,6}\Z")


@coordinator_required
@require_http_methods(["GET", "POST"])
def container_returns(request, cycle_id: int, group_id: int):
    """Per household, how many of each container it brought back at this distribution (the whole count here: a
    correction replaces it). Five queries after the coordinator's checks, whatever the number of households."""
    cycle, access = cycle_for_coordination(request, cycle_id)
    distribution = distribution_for_user(request, cycle, access, group_id)
    households = list(Household.objects.filter(group_id=group_id).order_by("name", "pk"))
    found = holdings([h.pk for h in households], club_id=cycle.club_id, distribution=distribution)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    refused = False
    if request.method == "POST":
        typed: dict[tuple[int, int], int] = {}
        for key, raw in request.POST.items():
            match = FIELD.match(key)
            if match is None:
                continue
            raw = raw.strip()
            values[key] = raw
            if raw and not COUNT.match(raw):
                errors[key] = _("Give a whole number of containers: 0 or more.")
                continue
            typed[(int(match[1]), int(match[2]))] = int(raw or 0)
        if errors:
            messages.error(request, _("Some counts are not whole numbers: nothing was saved."))
            refused = True
        else:
            try:
                saved = record_container_returns(distribution.pk, typed, by_user=request.user)
            except ActionError as error:
                flash_errors(request, error)
                errors, refused = error.field_errors, True
            else:
                if saved:
                    messages.success(request, ngettext(
                        "%(count)s count saved, the deposits refunded on the households' accounts.",
                        "%(count)s counts saved, the deposits refunded on the households' accounts.", saved,
                    ) % {"count": saved})
                else:
                    messages.info(request, _("Nothing changed: the counts were already saved."))
                return redirect("container-returns", cycle.pk, group_id)
    rows = _rows(households, found, values, errors)
    balances = found.balances
    here = defaultdict(int)
    for (_household, container), row in found.returned_here.items():
        here[container] += row.quantity
    held = deposits.per_container(balances)
    depot = [{"container": found.containers[c], "held": held.get(c, 0), "here": here.get(c, 0)}
             for c in sorted(set(held) | set(here), key=lambda c: found.containers[c].name)]
    return render(request, "web/distribution/container_returns.html", {
        "cycle": cycle, "distribution": distribution, "group": distribution.group, "rows": rows, "depot": depot,
    }, status=400 if refused else 200)


def _rows(households, found, values, errors):
    """A row per household that holds containers or brought some back here, a box per such container."""
    by_household = defaultdict(set)
    for household, container in [*found.charged, *found.returned_here]:
        by_household[household].add(container)
    rows = []
    for household in households:
        cells = []
        for container_id in sorted(by_household.get(household.pk, ()), key=lambda c: found.containers[c].name):
            key = (household.pk, container_id)
            here = found.returned_here[key].quantity if key in found.returned_here else 0
            field = f"r-{household.pk}-{container_id}"
            cells.append({
                "container": found.containers[container_id], "field": field, "error": errors.get(field),
                "value": values.get(field, str(here) if here else ""),
                # what it may bring back here: what it holds, counting back what was already counted here
                "holds": found.charged.get(key, 0) - found.returned_elsewhere.get(key, 0),
            })
        if cells:
            rows.append({"household": household, "cells": cells})
    return rows
