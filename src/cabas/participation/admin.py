from django.contrib import admin

from .models import Survey, SurveyQuestion


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["product_name", "kind", "club", "opens_on", "closes_on", "decision"]
    list_filter = ["club", "kind", "decision"]
    inlines = [SurveyQuestionInline]
    exclude = ["decision", "decision_note", "decided_at", "decided_by", "trial_product"]  # decided on the results page
