package admin

import (
	"context"

	"github.com/parleychat/parley/backend/store"
)

// labelWords are the texts of one list on the tags and outcomes page, whole sentences per
// kind because languages inflect "tag" and "outcome" differently.
type labelWords struct {
	Title, None, Caption, New, Add string
	// Save and Delete name the buttons of one entry for screen readers.
	Save, Delete func(name string) string
}

// labelWordsOf is the words of a kind's list in the request's language.
func labelWordsOf(ctx context.Context, kind store.LabelKind) labelWords {
	if kind == store.LabelOutcome {
		return labelWords{
			Title:   tr(ctx, "Outcomes"),
			None:    tr(ctx, "No outcomes yet. Add the first below."),
			Caption: tr(ctx, "Outcomes, in the order agents see them"),
			New:     tr(ctx, "New outcome"),
			Add:     tr(ctx, "Add outcome"),
			Save:    func(n string) string { return tr(ctx, "Save outcome {0}", n) },
			Delete:  func(n string) string { return tr(ctx, "Delete outcome {0}", n) },
		}
	}
	return labelWords{
		Title:   tr(ctx, "Tags"),
		None:    tr(ctx, "No tags yet. Add the first below."),
		Caption: tr(ctx, "Tags, in the order agents see them"),
		New:     tr(ctx, "New tag"),
		Add:     tr(ctx, "Add tag"),
		Save:    func(n string) string { return tr(ctx, "Save tag {0}", n) },
		Delete:  func(n string) string { return tr(ctx, "Delete tag {0}", n) },
	}
}
