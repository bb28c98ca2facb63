from django.contrib.auth import views as auth_views
from django.urls import path, register_converter, reverse_lazy

from cabas.core.ids import ID_PATTERN

from .forms import LoginForm, ResetPasswordForm
from .views import (
    contracts, coordination, documents, imports, member, money, producer_account, producers, solidarity, surveys,
)
from .views import deposits, membership, paper, personal_data, reception
from .views import logistics
from .views import pickup
from .views import depot
from .views import news
from .views import notifications
from .views import calendars
from .views import volunteering, volunteering_club
from .views import catalogue_manage, club_settings, household, producer_fees, rhythm, transport_setup


class IdConverter:
    """A database id: at most 18 digits, so an absurd number in a URL is a 404, not a database error."""

    regex = ID_PATTERN

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("", member.home, name="home"),
    path("nouvelles/", news.news_home, name="news-home"),
    path("nouvelles/club/<id:club_id>/", news.club_news, name="club-news"),
    path("nouvelles/groupe/<id:group_id>/", news.group_news, name="group-news"),
    path("nouvelles/<id:news_id>/modifier/", news.news_edit, name="news-edit"),
    path("nouvelles/<id:news_id>/supprimer/", news.news_delete, name="news-delete"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="web/members/login.html", authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", auth_views.PasswordResetView.as_view(
        template_name="web/members/password_reset.html", form_class=ResetPasswordForm, success_url=reverse_lazy("password-reset-done")),
         name="password-reset"),
    path("mot-de-passe/envoye/", auth_views.PasswordResetDoneView.as_view(
        template_name="web/members/password_reset.html", extra_context={"done": True}), name="password-reset-done"),
    path("mot-de-passe/<str:uidb64>/<str:token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="web/members/password_set.html", success_url=reverse_lazy("password-reset-complete")),
         name="password-reset-confirm"),
    path("mot-de-passe/enregistre/", auth_views.PasswordResetCompleteView.as_view(
        template_name="web/members/password_set.html", extra_context={"complete": True}), name="password-reset-complete"),
    path("club/<slug:club_slug>/adherer/", membership.join_groups, name="join-groups"),
    path("club/<slug:club_slug>/adherer/<slug:group_slug>/", membership.join, name="join"),
    path("coordination/membres/", membership.my_groups, name="my-groups"),
    path("coordination/groupes/<id:group_id>/membres/", membership.group_members, name="group-members"),
    path("coordination/groupes/<id:group_id>/adhesions/<id:application_id>/", membership.application_decide,
         name="application-decide"),
    path("coordination/groupes/<id:group_id>/renouveler/", membership.membership_renew, name="membership-renew"),
    path("coordination/groupes/<id:group_id>/depart/", membership.household_leave, name="household-leave"),
    path("referent/", producers.referent_home, name="referent-home"),
    path("cycles/<id:cycle_id>/commande/", member.order_page, name="order"),
    path("cycles/<id:cycle_id>/commande/total/", member.order_total_preview, name="order-total"),
    path("cycles/<id:cycle_id>/commande/avancement/", member.order_progress, name="order-progress"),
    path("commandes/<id:order_id>/", member.order_detail, name="order-detail"),
    path("club/<slug:club_slug>/producteurs/", producers.directory, name="directory"),
    path("club/<slug:club_slug>/producteurs/<id:producer_id>/", producers.producer_page, name="producer"),
    path("produits/<id:product_id>/", producers.product_page, name="product"),
    path("producteur/", producer_account.producer_home, name="producer-home"),
    path("producteur/cycles/<id:cycle_id>/disponibilites/", producer_account.producer_supply, name="producer-supply"),
    path("producteur/cycles/<id:cycle_id>/bon-de-commande/", producer_account.producer_own_sheet, name="producer-own-sheet"),
    path("producteur/cycles/<id:cycle_id>/bon-de-commande.<str:fmt>", producer_account.producer_own_sheet,
         name="producer-own-sheet-file"),
    path("producteur/propositions/<str:kind>/", producer_account.producer_propose, name="producer-propose"),
    path("compte/", money.account, name="account"),
    path("compte/e-mails/", notifications.preferences, name="notification-preferences"),
    # a household's own people: invite someone (the link of the e-mail, public), cancel, leave the household
    path("compte/foyer/", household.household_members, name="household-members"),
    path("compte/foyer/invitations/<id:invitation_id>/annuler/", household.invitation_cancel,
         name="household-invitation-cancel"),
    path("compte/foyer/quitter/", household.household_quit, name="household-quit"),
    path("invitation/<str:token>/", household.invitation_accept, name="household-invitation-accept"),
    path("e-mails/arreter/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    # calendars: the iCal feeds at secret addresses (no login), the page giving them, new addresses
    path("agenda/<str:token>.ics", calendars.feed, name="calendar-feed"),
    path("benevolat/agenda/", calendars.calendar_page, name="calendar"),
    path("benevolat/agenda/nouvelle-adresse/", calendars.calendar_reset, name="calendar-reset"),
    path("benevolat/agenda/groupes/<id:group_id>/nouvelle-adresse/", calendars.calendar_reset_group,
         name="calendar-reset-group"),
    path("mes-donnees/", personal_data.personal_data_page, name="personal-data"),
    path("mes-donnees/telecharger/", personal_data.personal_data_download, name="personal-data-download"),
    path("mes-donnees/effacer/", personal_data.erase_own_account, name="erase-own-account"),
    path("coordination/clubs/<id:club_id>/membres/effacer/", personal_data.erase_member, name="erase-member"),
    path("factures/<id:invoice_id>.pdf", money.invoice_pdf, name="invoice-pdf"),
    path("solidarite/", solidarity.tariffs_home, name="tariffs-home"),
    path("solidarite/clubs/<id:club_id>/", solidarity.tariffs, name="tariffs"),
    path("solidarite/clubs/<id:club_id>/rapport/", solidarity.solidarity_report, name="solidarity-report"),
    path("solidarite/clubs/<id:club_id>/rapport/<int:year>/", solidarity.solidarity_report, name="solidarity-report-year"),
    path("solidarite/cycles/<id:cycle_id>/", solidarity.cycle_funds, name="cycle-funds"),
    path("compte/contribution/", solidarity.pledge, name="pledge"),
    path("tresorerie/", money.treasury_home, name="treasury-home"),
    path("tresorerie/clubs/<id:club_id>/", money.treasury, name="treasury"),
    path("tresorerie/clubs/<id:club_id>/paiements/", money.payment_create, name="payment-create"),
    path("tresorerie/clubs/<id:club_id>/fonds/", money.fund_receive, name="fund-receive"),
    path("tresorerie/clubs/<id:club_id>/fonds/garantie/", money.guarantee_payout, name="guarantee-payout"),
    path("tresorerie/clubs/<id:club_id>/paiements/<id:payment_id>/annuler/", money.payment_reverse, name="payment-reverse"),
    path("tresorerie/clubs/<id:club_id>/cycles/<id:cycle_id>/factures/", money.invoices_issue, name="invoices-issue"),
    path("tresorerie/clubs/<id:club_id>/cycles/<id:cycle_id>/", money.cycle_money, name="cycle-money"),
    path("tresorerie/clubs/<id:club_id>/cotisations-producteurs/", producer_fees.producer_fees_page, name="producer-fees"),
    path("tresorerie/clubs/<id:club_id>/releves/", money.bank_import, name="bank-import"),
    path("tresorerie/clubs/<id:club_id>/releves/envois/<id:upload_id>/", money.bank_upload, name="bank-upload"),
    path("cycles/<id:cycle_id>/producteurs/<id:producer_id>/releve.pdf", money.producer_statement, name="producer-statement"),
    path("tresorerie/clubs/<id:club_id>/releves/<id:statement_id>/", money.bank_lines, name="bank-lines"),
    path("tresorerie/clubs/<id:club_id>/export/<str:what>.<str:fmt>", money.export, name="money-export"),
    path("tresorerie/clubs/<id:club_id>/fec/<int:year>/", money.export_fec, name="money-fec"),
    # volunteering: the member's page and the group coordinators' pages
    path("benevolat/", volunteering.shifts, name="shifts"),
    path("benevolat/permanences/<id:shift_id>/inscription/", volunteering.shift_signup, name="shift-signup"),
    path("benevolat/inscriptions/<id:signup_id>/retrait/", volunteering.shift_withdraw, name="shift-withdraw"),
    path("benevolat/inscriptions/<id:signup_id>/echange/", volunteering.swap_offer, name="swap-offer"),
    path("benevolat/echanges/<id:offer_id>/reponse/", volunteering.swap_answer, name="swap-answer"),
    path("coordination/groupes/<id:group_id>/benevolat/", volunteering.group_volunteering, name="group-volunteering"),
    path("coordination/permanences/<id:shift_id>/", volunteering.shift_detail, name="shift-detail"),
    path("coordination/permanences/<id:shift_id>/presence/", volunteering.shift_confirm, name="shift-confirm"),
    path("coordination/permanences/<id:shift_id>/affecter/", volunteering.shift_assign, name="shift-assign"),
    path("coordination/permanences/<id:shift_id>/retirer/", volunteering.shift_remove, name="shift-remove"),
    path("abonnements/", contracts.subscriptions, name="subscriptions"),
    path("abonnements/<id:subscription_id>/sauter/", contracts.subscription_skip, name="subscription-skip"),
    path("abonnements/offres/<id:offer_id>/", contracts.subscription_offer_subscribe, name="subscription-offer-subscribe"),
    path("enquetes/", surveys.survey_list, name="surveys"),
    path("enquetes/<id:survey_id>/", surveys.survey_answer, name="survey-answer"),
    path("coordination/enquetes/<id:survey_id>/", surveys.survey_results, name="survey-results"),
    path("coordination/enquetes/<id:survey_id>/decision/", surveys.survey_decide, name="survey-decide"),
    path("coordination/enquetes/<id:survey_id>/modifier/", surveys.survey_edit, name="survey-edit"),
    path("coordination/clubs/<id:club_id>/enquetes/", surveys.club_surveys, name="club-surveys"),
    path("coordination/clubs/<id:club_id>/enquetes/nouvelle/", surveys.survey_create, name="survey-create"),
    path("coordination/clubs/<id:club_id>/reglages/", club_settings.club_settings, name="club-settings"),
    path("coordination/clubs/<id:club_id>/contrats/", contracts.contract_list, name="contracts"),
    path("coordination/clubs/<id:club_id>/contrats/nouveau/", contracts.contract_create, name="contract-create"),
    path("coordination/contrats/<id:contract_id>/", contracts.contract_edit, name="contract-edit"),
    path("coordination/contrats/<id:contract_id>/supprimer/", contracts.contract_delete, name="contract-delete"),
    path("coordination/clubs/<id:club_id>/abonnements/", contracts.subscription_offers, name="subscription-offers"),
    path("coordination/clubs/<id:club_id>/abonnements/nouveau/", contracts.subscription_offer_create,
         name="subscription-offer-create"),
    path("coordination/abonnements/<id:offer_id>/", contracts.subscription_offer_edit, name="subscription-offer-edit"),
    path("coordination/abonnements/<id:offer_id>/supprimer/", contracts.subscription_offer_delete,
         name="subscription-offer-delete"),
    path("coordination/clubs/<id:club_id>/propositions/", contracts.proposals, name="proposals"),
    path("coordination/clubs/<id:club_id>/propositions/<str:kind>/<id:sheet_id>/", contracts.decide_proposal,
         name="decide-proposal"),
    # the club's catalogue: producers and their logins, products and prices, categories, labels, charter, containers
    path("coordination/clubs/<id:club_id>/catalogue/", catalogue_manage.catalogue_home, name="catalogue-manage"),
    path("coordination/clubs/<id:club_id>/catalogue/producteurs/nouveau/", catalogue_manage.producer_create,
         name="producer-create"),
    path("coordination/clubs/<id:club_id>/catalogue/categories/", catalogue_manage.categories_manage,
         name="categories-manage"),
    path("coordination/clubs/<id:club_id>/catalogue/labels/", catalogue_manage.labels_manage, name="labels-manage"),
    path("coordination/clubs/<id:club_id>/catalogue/charte/", catalogue_manage.charter_manage, name="charter-manage"),
    path("coordination/clubs/<id:club_id>/catalogue/consignes/", catalogue_manage.containers_manage,
         name="containers-manage"),
    path("coordination/producteurs/<id:producer_id>/", catalogue_manage.producer_manage, name="producer-manage"),
    path("coordination/producteurs/<id:producer_id>/modifier/", catalogue_manage.producer_edit, name="producer-edit"),
    path("coordination/producteurs/<id:producer_id>/comptes/<id:account_id>/", catalogue_manage.producer_login,
         name="producer-login"),
    path("coordination/producteurs/<id:producer_id>/produits/nouveau/", catalogue_manage.product_create,
         name="product-create"),
    path("coordination/produits/<id:product_id>/", catalogue_manage.product_manage, name="product-manage"),
    path("coordination/producteurs/<id:producer_id>/import/", imports.import_upload, name="import-upload"),
    path("coordination/imports/<id:import_id>/appliquer/", imports.import_apply, name="import-apply"),
    # each group its own rhythm: the group's rhythm and depot, the recurring cycles
    path("coordination/groupes/<id:group_id>/rythme/", rhythm.group_rhythm, name="group-rhythm"),
    path("coordination/clubs/<id:club_id>/cycles-reguliers/", rhythm.recurring_cycles, name="recurring-cycles"),
    path("coordination/cycles-reguliers/<id:recurring_id>/", rhythm.recurring_cycle, name="recurring-cycle"),
    path("coordination/cycles/", coordination.cycle_list, name="cycle-list"),
    path("coordination/cycles/nouveau/", coordination.cycle_create, name="cycle-create"),
    path("coordination/cycles/<id:cycle_id>/", coordination.cycle_detail, name="cycle-detail"),
    path("coordination/cycles/<id:cycle_id>/cloturer/", coordination.cycle_close, name="cycle-close"),
    path("coordination/cycles/<id:cycle_id>/repartition/", coordination.cycle_preview, name="cycle-preview"),
    path("coordination/cycles/<id:cycle_id>/transport/", logistics.transport, name="transport"),
    path("coordination/cycles/<id:cycle_id>/transport/planifier/", logistics.transport_plan, name="transport-plan"),
    path("coordination/cycles/<id:cycle_id>/transport/<id:plan_id>/partager/", logistics.transport_share, name="transport-share"),
    path("coordination/cycles/<id:cycle_id>/transport/<id:plan_id>/choisir/", logistics.transport_choose, name="transport-choose"),
    path("coordination/cycles/<id:cycle_id>/transport/<id:plan_id>/comptabiliser/", logistics.transport_post, name="transport-post"),
    path("coordination/cycles/<id:cycle_id>/transport/<id:plan_id>/tournees.svg", logistics.transport_svg, name="transport-svg"),
    path("coordination/cycles/<id:cycle_id>/transport/tournees/<id:round_id>/feuille-de-route.pdf", logistics.driver_sheet,
         name="driver-sheet"),
    # the club's places and transport set-up (sites, vehicles, chilled categories, settings)
    path("coordination/clubs/<id:club_id>/transport/", transport_setup.transport_setup, name="transport-setup"),
    path("coordination/clubs/<id:club_id>/transport/reglages/", transport_setup.transport_settings,
         name="transport-settings"),
    path("coordination/clubs/<id:club_id>/transport/lieux/nouveau/", transport_setup.site_create, name="site-create"),
    path("coordination/clubs/<id:club_id>/transport/lieux/<id:site_id>/", transport_setup.site_edit, name="site-edit"),
    path("coordination/clubs/<id:club_id>/transport/lieux/<id:site_id>/supprimer/", transport_setup.site_delete,
         name="site-delete"),
    path("coordination/clubs/<id:club_id>/transport/vehicules/nouveau/", transport_setup.vehicle_create,
         name="vehicle-create"),
    path("coordination/clubs/<id:club_id>/transport/vehicules/<id:vehicle_id>/", transport_setup.vehicle_edit,
         name="vehicle-edit"),
    path("coordination/clubs/<id:club_id>/transport/vehicules/<id:vehicle_id>/supprimer/", transport_setup.vehicle_delete,
         name="vehicle-delete"),
    path("coordination/clubs/<id:club_id>/transport/froid/", transport_setup.chilled_categories, name="chilled-categories"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/", coordination.group_orders, name="group-orders"),
    path(
        "coordination/cycles/<id:cycle_id>/producteurs/<id:producer_id>/bon-de-commande.<str:fmt>",
        documents.producer_sheet_view, name="producer-sheet-file",
    ),
    path(
        "coordination/cycles/<id:cycle_id>/producteurs/<id:producer_id>/bon-de-commande/",
        documents.producer_sheet_view, name="producer-sheet",
    ),
    path(
        "coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/liste.<str:fmt>",
        documents.picking_list_view, name="picking-list-file",
    ),
    path(
        "coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/liste/",
        documents.picking_list_view, name="picking-list",
    ),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/commandes-papier/", paper.paper_orders,
         name="paper-orders"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/bons-papier.pdf", paper.paper_order_forms,
         name="paper-order-forms"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/reception/", reception.depot_reception, name="depot-reception"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/retraits/", pickup.pickup_page, name="pickup"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/retraits/stock/", pickup.pickup_stored,
         name="pickup-stored"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/retraits/dates/", pickup.pickup_dates,
         name="pickup-dates"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/surplus/", pickup.surplus_page, name="surplus"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/surplus/rapport/", pickup.surplus_report_page,
         name="group-surplus-report"),
    path("coordination/cycles/<id:cycle_id>/surplus/", pickup.surplus_report_page, name="surplus-report"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/encaissements/", depot.depot_money, name="depot-money"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/producteurs/<id:producer_id>/liste/", depot.producer_list,
         name="producer-depot-list"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/producteurs/<id:producer_id>/liste.<str:fmt>",
         depot.producer_list, name="producer-depot-list-file"),
    path("coordination/cycles/<id:cycle_id>/groupes/<id:group_id>/consignes/", deposits.container_returns,
         name="container-returns"),
    path("coordination/cycles/<id:cycle_id>/documents/", documents.cycle_documents_bundle, name="cycle-documents"),
    path("coordination/cycles/<id:cycle_id>/documents.zip", documents.cycle_documents_file, name="cycle-documents-file"),
    path("coordination/cycles/<id:cycle_id>/envoyer-bons-de-commande/", documents.send_producer_sheets,
         name="send-producer-sheets"),
    # volunteering: the club's set-up, targets adjusted, harvest calls, farm visits, the drivers' rotas
    path("coordination/clubs/<id:club_id>/benevolat/", volunteering_club.club_volunteering, name="club-volunteering"),
    path("coordination/groupes/<id:group_id>/objectifs/", volunteering_club.target_adjust, name="target-adjust"),
    path("producteur/appel-recolte/", volunteering_club.harvest_call, name="harvest-call"),
    path("coordination/producteurs/<id:producer_id>/appel-recolte/", volunteering_club.harvest_call_for,
         name="harvest-call-for"),
    path("coordination/clubs/<id:club_id>/visites/", volunteering_club.farm_visits, name="farm-visits"),
    path("coordination/visites/<id:visit_id>/", volunteering_club.visit_record, name="visit-record"),
    path("coordination/clubs/<id:club_id>/roulements/", volunteering_club.rotas, name="rotas"),
    path("coordination/roulements/<id:rota_id>/", volunteering_club.rota_detail, name="rota-detail"),
]
