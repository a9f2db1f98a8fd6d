from wagtail.snippets.models import register_snippet

from contactkit.profile.viewsets import ContactChannelViewSet

register_snippet(ContactChannelViewSet)
