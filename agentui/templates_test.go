package agentui

import (
	"testing"

	"github.com/parleychat/parley/shared/api"
)

// TestTemplateLine: the picker's line names the template and its parameters in order; a "|"
// or a line break typed into a parameter cannot split it into two.
func TestTemplateLine(t *testing.T) {
	tp := api.WhatsAppTemplate{Name: "order_update", Language: "de", Params: []string{"Name", "Order number"}}
	for _, c := range []struct {
		values []string
		want   string
	}{
		{[]string{"Erika", "4711"}, "/template order_update Erika | 4711"},
		{[]string{" Erika ", "47|11\nB"}, "/template order_update Erika | 47/11 B"},
		{nil, "/template order_update"},
	} {
		if got := templateLine(tp, c.values); got != c.want {
			t.Errorf("templateLine(%q) = %q, want %q", c.values, got, c.want)
		}
	}
}
