"""The club's words in templates rendered without a page (documents, e-mails): ``{% club_words cycle.club as words %}``
then ``{{ words.the_group }}``. Pages have ``words`` already (``context_processors.vocabulary``)."""

from django import template

from cabas.members.words import DEFAULT, words_for

register = template.Library()


@register.simple_tag
def club_words(club):
    """The words of ``club`` (the defaults when there is none)."""
    return words_for(club) if club else DEFAULT
