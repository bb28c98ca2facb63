from django.contrib import admin

from cabas.members.admin_scope import ClubScopedAdmin, ClubScopedTabularInline

from .models import Survey, SurveyQuestion


class SurveyQuestionInline(ClubScopedTabularInline):
    model = SurveyQuestion
    extra = 0


@admin.register(Survey)
class SurveyAdmin(ClubScopedAdmin):
    club_path = "club"
    list_display = ["product_name", "kind", "club", "opens_on", "closes_on", "decision"]
    list_filter = ["club", "kind", "decision"]
    inlines = [SurveyQuestionInline]
    exclude = ["decision", "decision_note", "decided_at", "decided_by", "trial_product"]  # decided on the results page
