"""The blocks editors can add to the body of every contactkit page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class RichTextBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "contactkit/blocks/rich_text.html"
        features = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]
        preview_value = (
            "<h2>Hablamos tu idioma</h2><p>Escríbenos y te responde una persona del equipo.</p>"
        )
        description = _("Paragraphs with headings, lists and links.")


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "contactkit/blocks/figure.html"
        description = _("A picture with an optional caption.")


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=250)
    answer = blocks.RichTextBlock(
        label=_("answer"), features=["bold", "italic", "link", "ol", "ul"]
    )

    class Meta:
        icon = "help"
        label = _("Question")


class QuestionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        label=_("heading"), required=False, max_length=120, default=_("Frequent questions")
    )
    questions = blocks.ListBlock(QuestionBlock(), label=_("questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Questions and answers")
        template = "contactkit/blocks/questions.html"
        description = _("Questions shoppers ask, each opening to its answer.")
        preview_value = {
            "heading": "Preguntas frecuentes",
            "questions": [
                {
                    "question": "¿Cuánto tarda mi pedido?",
                    "answer": "<p>Entre 2 y 4 días laborables en la península.</p>",
                },
                {
                    "question": "¿Puedo cambiar una pieza?",
                    "answer": "<p>Sí, durante 30 días desde que la recibes.</p>",
                },
            ],
        }


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"), required=False, max_length=250)
    link_label = blocks.CharBlock(label=_("button text"), max_length=60)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("or a link"), required=False)

    class Meta:
        icon = "link-external"
        label = _("Call to action")
        template = "contactkit/blocks/call_to_action.html"
        description = _("A sentence and a button that takes the shopper somewhere.")
        preview_value = {
            "text": "¿Dudas con tu pedido?",
            "link_label": "Escríbenos",
            "url": "https://example.org/contacto/",
        }

    def clean(self, value):
        cleaned = super().clean(value)
        if not cleaned.get("page") and not cleaned.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"page": blocks.BlockValidationError(_("Choose a page or a link."))}
            )
        return cleaned


class BodyBlock(blocks.StreamBlock):
    text = RichTextBlock()
    image = FigureBlock()
    questions = QuestionsBlock()
    call_to_action = CallToActionBlock()

    class Meta:
        block_counts = {}
