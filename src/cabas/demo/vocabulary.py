"""The demo club's words (its settings page shows them; every page, e-mail and document says them): its groups are
GAC (« groupements d'achats en commun », a proper name kept in English too), received at « lieux de dépôt », and a
household's season commitment to a producer is an « abonnement »."""

from __future__ import annotations

from cabas.members.models import Club


def seed_words(club: Club) -> None:
    Club.objects.filter(pk=club.pk).update(
        group_label="GAC", group_label_plural="GAC", group_label_feminine=False,
        depot_label="lieu de dépôt", depot_label_plural="lieux de dépôt", depot_label_feminine=False,
        subscription_label="abonnement", subscription_label_plural="abonnements", subscription_label_feminine=False,
    )
    club.refresh_from_db()
