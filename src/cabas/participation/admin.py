from django.contrib import admin


from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["product_name", "club", "opens_on", "closes_on", "decision"]
    list_filter = ["club", "decision"]
    exclude = ["decision", "decision_note", "decided_at", "decided_by", "trial_product"]  # decided on the results page
