"""Users and groups with the SCIM columns django-scim2's default adapters read and write.

The default group adapter reads a group's members as ``group.user_set`` and a user's groups as
``user.scim_groups``; these two models give it exactly that.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):
    name = models.CharField(max_length=150, unique=True)


class User(AbstractSCIMUserMixin, AbstractUser):
    scim_groups = models.ManyToManyField(Group, related_name="user_set", blank=True)
