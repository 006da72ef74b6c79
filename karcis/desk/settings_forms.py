"""Forms of the desk's Settings pages (categories, custom fields, tags). They parse and
check input; the services decide and write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from karcis.core.forms import field_of
from karcis.core.models import FieldKind, Organisation
from karcis.desk.models import Category, CustomField
from karcis.desk.selectors import categories_of

TRUE_FALSE = [("true", _("Yes")), ("false", _("No"))]


def lines_of(text: str) -> list[str]:
    """Non-empty, distinct lines of a textarea, in order (choices are typed one per line)."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


# --- categories -----------------------------------------------------------------------------


class CategoryParentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.path if obj.is_active else _("%(name)s (inactive)") % {"name": obj.path}


class CategoryCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = CategoryParentField(
        label=_("Inside"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— Top level —"),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        field_of(self, "parent", CategoryParentField).queryset = categories_of(
            organisation=organisation, active_only=False
        )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class CategoryRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, organisation: Organisation, category: Category, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.category = category

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        # category_update does not check this, and the database constraint cannot see
        # duplicates among top-level categories (their parent is NULL).
        siblings = categories_of(organisation=self.organisation, active_only=False)
        duplicate = (
            siblings.filter(parent_id=self.category.parent_id, name__iexact=name)
            .exclude(pk=self.category.pk)
            .exists()
        )
        if duplicate:
            raise ValidationError(_("This category already exists here."), code="duplicate")
        return name


class ActiveForm(forms.Form):
    """The activate/deactivate buttons: is_active=true|false."""

    is_active = forms.TypedChoiceField(choices=TRUE_FALSE, coerce=lambda value: value == "true")


# --- custom fields --------------------------------------------------------------------------


class CustomFieldFormBase(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        help_text=_("One choice per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    required = forms.BooleanField(
        label=_("Required"),
        required=False,
        help_text=_("A ticket cannot be solved without a value."),
    )
    visible_to_customer = forms.BooleanField(
        label=_("Shown on the portal"),
        required=False,
        help_text=_("Customers fill it in when they submit a request."),
    )

    def clean_label(self) -> str:
        return " ".join(self.cleaned_data["label"].split())

    def clean_choices(self) -> list[str]:
        return lines_of(self.cleaned_data["choices"])


class CustomFieldCreateForm(CustomFieldFormBase):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        help_text=_("Only for the kind Choice: one choice per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        required=False,
        help_text=_(
            "The field's name in the API and exports. Made from the label when left empty; "
            "it cannot be changed later."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FieldKind.choices,
        initial=FieldKind.TEXT,
        help_text=_("Cannot be changed later."),
    )
    field_order = ["label", "key", "kind", "choices", "required", "visible_to_customer"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("kind") == FieldKind.CHOICE:
            if "choices" in cleaned and not cleaned["choices"]:
                self.add_error(
                    "choices", _("A choice field needs at least one choice: one per line.")
                )
        else:
            # Choices typed before switching the kind away from "choice" mean nothing.
            cleaned["choices"] = []
        return cleaned


class CustomFieldEditForm(CustomFieldFormBase):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive fields are hidden from forms; values already stored stay."),
    )

    def __init__(self, *args, field: CustomField, **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_field = field
        if field.kind != FieldKind.CHOICE:
            del self.fields["choices"]

    @staticmethod
    def initial_for(field: CustomField) -> dict:
        return {
            "label": field.label,
            "choices": "\n".join(field.choices),
            "required": field.required,
            "visible_to_customer": field.visible_to_customer,
            "is_active": field.is_active,
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "choices" in self.fields and "choices" in cleaned and not cleaned["choices"]:
            self.add_error("choices", _("A choice field needs at least one choice: one per line."))
        return cleaned


# --- tags -----------------------------------------------------------------------------------


class TagRenameForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_(
            "Lower-case letters, digits and hyphens; spaces become hyphens. If another tag "
            "already has this name, the two tags are merged into it."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
