"""The public search page: one GET form, facets as checkboxes, works without JavaScript."""

from django.views.generic import TemplateView

from exhibit.models import Entity, SearchEntry
from exhibit.params import text_value, whole_number
from exhibit.services.search import MAX_QUERY_LENGTH, FacetValue, Filters, search


def _year(value):
    value = (value or "").strip()
    if not value:
        return None, ""
    year = whole_number(value, maximum=9999)
    if year:
        return year, ""
    return None, f"“{value[:20]}” is not a year: give years as numbers, e.g. 1922."


def _texts(values, max_length):
    """At most 20 of a facet's values; those no stored value could equal are left out."""
    return [text for text in (text_value(v, max_length) for v in values) if text is not None][:20]


class SearchView(TemplateView):
    """``/search/?q=&type=&exhibit=&kind=&repository=&from=&to=&page=``."""

    template_name = "exhibit/search.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        query = params.get("q", "")[:MAX_QUERY_LENGTH]
        errors = []
        year_from, error = _year(params.get("from"))
        errors += [error] if error else []
        year_to, error = _year(params.get("to"))
        errors += [error] if error else []
        if year_from and year_to and year_from > year_to:
            year_from, year_to = year_to, year_from
        filters = Filters(
            kinds=[v for v in params.getlist("type") if v in SearchEntry.Kind.values],
            exhibits=_texts(params.getlist("exhibit"), 255),
            entity_kinds=[v for v in params.getlist("kind") if v in Entity.Kind.values],
            repositories=_texts(params.getlist("repository"), 32),
            year_from=year_from,
            year_to=year_to,
        )
        # A page that is not a number shows the first; one beyond the last shows the last.
        results = search(query, filters, whole_number(params.get("page")) or 1)
        facets = []
        for param, key, label, selected in [
            ("type", "kind", "Type", filters.kinds),
            ("exhibit", "exhibit", "Exhibit", filters.exhibits),
            ("kind", "entity_kind", "Kind of entity", filters.entity_kinds),
            ("repository", "repository", "Archive", filters.repositories),
        ]:
            values = results.facets[key]
            # A selection with no results left stays in the form, so it can be unticked.
            shown = {value.value for value in values}
            values += [FacetValue(v, v, 0, True) for v in selected if v not in shown]
            facets.append((param, label, values))
        for decade in results.years:
            decade.url = self._decade_url(int(decade.value))
            decade.selected = year_from == int(decade.value) and year_to == int(decade.value) + 9
        return super().get_context_data(
            query=query.strip(),
            results=results,
            page_obj=results.page,
            paginator=results.page.paginator,
            is_paginated=results.page.paginator.num_pages > 1,
            facets=facets,
            filters=filters,
            errors=errors,
            filtered=any(
                [filters.kinds, filters.exhibits, filters.entity_kinds, filters.repositories]
            )
            or year_from is not None
            or year_to is not None,
            **kwargs,
        )

    def _decade_url(self, decade):
        params = self.request.GET.copy()
        params.pop("page", None)
        params["from"], params["to"] = str(decade), str(decade + 9)
        return f"?{params.urlencode()}"
