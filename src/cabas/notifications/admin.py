"""The back office of the task queue and of the notifications, for the installation's operators (superusers)
only: a failed task's traceback and what was sent to whom name people of every club."""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from cabas.core.admin_site import ReadOnlyAdmin

from .models import SentNotification


class TaskResultAdmin(DBTaskResultAdmin):
    """django-tasks-db's list of tasks (status, failures with their traceback), read only, for superusers.
    With the Redis backend the tasks live in Redis (`rqstats`); the results listed here are the database
    backend's."""

    list_filter = ("status", "task_path", "queue_name")
    search_fields = ("task_path", "id")


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)


@admin.register(SentNotification)
class SentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("kind", "event", "email", "sent_at")
    list_filter = ("kind",)
    search_fields = ("event", "email")
