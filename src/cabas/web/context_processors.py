from django.utils.functional import SimpleLazyObject

from cabas.members.models import Club
from cabas.members.permissions import access_for
from cabas.members.words import DEFAULT, Words, words_for

_PAGE_CLUB = "_cabas_page_club"
_PAGE_WORDS = "_cabas_page_words"


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"access": access_for(user)}


def use_club(request, club) -> None:
    """The club a page is about: its words are the page's (called by the loaders of a club's objects, so that a
    person of several clubs, or a producer, or a visitor, reads each page in the words of the club it shows)."""
    if request is not None and club is not None and getattr(request, _PAGE_CLUB, None) is None:
        setattr(request, _PAGE_CLUB, club)
        if hasattr(request, _PAGE_WORDS):
            delattr(request, _PAGE_WORDS)


def _user_club(request):
    """The club of the person: their household's (loaded with the user, no query), or the one club they hold a
    role in (one query, only when the page says one of the words). None when there is none or several."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    household = user.household if user.household_id else None
    if household is not None:
        return household.group.club
    access = access_for(user)
    club_ids = (access.coordinated_club_ids | access.group_role_club_ids | access.treasurer_club_ids
                | access.solidarity_club_ids)
    if len(club_ids) == 1:
        return Club.objects.filter(pk=next(iter(club_ids))).first()
    return None


def page_words(request) -> Words:
    """The words of the page's club (``use_club``), else of the person's club, else the defaults."""
    if request is None:
        return DEFAULT
    found = getattr(request, _PAGE_WORDS, None)
    if found is None:
        club = getattr(request, _PAGE_CLUB, None) or _user_club(request)
        found = words_for(club) if club is not None else DEFAULT
        setattr(request, _PAGE_WORDS, found)
    return found


def vocabulary(request):
    """``words``: the club's word for a group, a depot, a subscription and their forms (``members.vocabulary``),
    read lazily — a page that says none of them costs nothing."""
    return {"words": SimpleLazyObject(lambda: page_words(request))}
