//go:build js && wasm

package main

import (
	"strconv"
	"strings"
	"syscall/js"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/widget/uitext"
	"github.com/parleychat/parley/widget/wire"
)

// This file draws survey fields (the pre-chat and post-chat surveys, a field the agent asks
// for) with the browser's own controls, so that they work from the keyboard and with screen
// readers as any form does: a labelled input of the field's type, a choice as a drop-down or
// a radio group, a yes/no question as a checkbox, a rating as a group of star radio buttons.
// Each field's message line is tied to its control with aria-describedby, and aria-invalid
// marks a refused answer. The rules and words come from package chat.

// maskCache holds the compiled masks by pattern; null for a pattern the browser cannot read.
var maskCache = map[string]js.Value{}

// jsMask is the widget's survey.MaskFunc: the browser's RegExp engine (nothing to download)
// with the semantics of HTML's pattern attribute: the pattern must compile on its own, then
// the whole value must match ^(?:pattern)$ in Unicode mode. A pattern the browser cannot read
// is no mask here; the server checks every mask with Go's engine anyway.
func jsMask(pattern, value string) (match, valid bool) {
	re, ok := maskCache[pattern]
	if !ok {
		re = js.Null()
		func() {
			defer func() { _ = recover() }() // new RegExp throws on a syntax error
			ctor := global.Get("RegExp")
			ctor.New(pattern, "u")
			re = ctor.New("^(?:"+pattern+")$", "u")
		}()
		if len(maskCache) >= 64 {
			clear(maskCache)
		}
		maskCache[pattern] = re
	}
	if re.IsNull() {
		return false, false
	}
	return re.Call("test", value).Bool(), true
}

// surveyForm is a list of survey fields drawn into a form before an anchor element. It is
// rebuilt only when the fields (or the language) change, so what the visitor typed survives
// the renders in between.
type surveyForm struct {
	prefix         string
	parent, before js.Value
	sig            string
	fields         []*fieldView
}

// watch calls edited with a field's name whenever the visitor changes its answer; one
// listener on the form serves every field, drawn now or later.
func (s *surveyForm) watch(edited func(name string)) {
	handler := func(ev js.Value) {
		target := ev.Get("target")
		for _, fv := range s.fields {
			if fv.ctl.Call("contains", target).Bool() {
				edited(fv.f.Name)
				return
			}
		}
	}
	on(s.parent, "input", handler)
	on(s.parent, "change", handler)
}

// fieldView is one drawn field.
type fieldView struct {
	f protocol.SurveyField
	// nodes are what was added to the form, to remove them on a rebuild.
	nodes []js.Value
	// ctl is the input, select or text area; for a radio group, the group.
	ctl    js.Value
	radios []js.Value
	msg    js.Value
}

// sync draws the fields unless they are already drawn; initial gives a new field's value.
// It reports whether it drew them anew.
func (s *surveyForm) sync(fields []protocol.SurveyField, t uitext.Texts, initial func(protocol.SurveyField) string) bool {
	var sig strings.Builder
	if len(fields) > 0 {
		sig.WriteString(t.Lang)
	}
	for _, f := range fields {
		sig.Write(wire.SurveyFieldJSON(f))
	}
	if sig.String() == s.sig {
		return false
	}
	s.sig = sig.String()
	for _, fv := range s.fields {
		for _, n := range fv.nodes {
			n.Call("remove")
		}
	}
	s.fields = s.fields[:0]
	for i, f := range fields {
		fv := newFieldView(s.prefix+"-"+strconv.Itoa(i), f, t, initial(f))
		for _, n := range fv.nodes {
			s.parent.Call("insertBefore", n, s.before)
		}
		s.fields = append(s.fields, fv)
	}
	return true
}

// answers reads what the visitor entered, by field name.
func (s *surveyForm) answers() map[string]string {
	out := make(map[string]string, len(s.fields))
	for _, fv := range s.fields {
		out[fv.f.Name] = fv.value()
	}
	return out
}

// showErrors puts each field's message (from msg, "" for none) next to it.
func (s *surveyForm) showErrors(msg func(protocol.SurveyField) string) {
	for _, fv := range s.fields {
		fv.setError(msg(fv.f))
	}
}

// focusFirstInvalid moves the focus to the first field with a message, and reports whether
// there was one.
func (s *surveyForm) focusFirstInvalid() bool {
	for _, fv := range s.fields {
		if fv.msg.Get("textContent").String() != "" {
			fv.focus()
			return true
		}
	}
	return false
}

// focusFirst moves the focus to the first field.
func (s *surveyForm) focusFirst() bool {
	if len(s.fields) == 0 {
		return false
	}
	s.fields[0].focus()
	return true
}

// newFieldView builds the controls of one field with the id base id. Attributes are
// gathered in lists and set in one call each, which keeps this code small in the WebAssembly.
func newFieldView(id string, f protocol.SurveyField, t uitext.Texts, value string) *fieldView {
	fv := &fieldView{f: f}
	errID := id + "-err"
	fv.msg = el("p", "field-err", "id", errID)
	prompt := f.Prompt
	if prompt == "" {
		prompt = f.Name
	}
	if f.Required {
		prompt += " *"
	}
	attrs := []string{"id", id, "aria-describedby", errID}
	if f.Required {
		attrs = append(attrs, "aria-required", "true")
	}
	low, high := survey.Range(f)
	switch {
	case f.Type == survey.TypeBoolean:
		box := el("input", "", append(attrs, "type", "checkbox", "name", f.Name)...)
		box.Set("checked", value == survey.Yes)
		fv.ctl = box
		fv.nodes = []js.Value{add(el("label", "check", "for", id), box, text("span", "", prompt)), fv.msg}

	case f.Type == survey.TypeRating || (f.Type == survey.TypeSelect && f.SelectType == "radio"):
		captionID := id + "-cap"
		class, values, labels := "opts", f.Options, make([]string, len(f.Options))
		for i := range f.Options {
			labels[i] = survey.Label(f, i)
		}
		rating := f.Type == survey.TypeRating
		if rating {
			class, values, labels = "stars", nil, nil
			for n := 1; n <= high; n++ {
				values = append(values, strconv.Itoa(n))
				labels = append(labels, uitext.Fill(t.Get(uitext.RatingStar), "n", strconv.Itoa(n), "max", strconv.Itoa(high)))
			}
		}
		group := el("div", class, append(attrs, "role", "radiogroup", "aria-labelledby", captionID)...)
		for i, v := range values {
			rid := id + "-" + strconv.Itoa(i)
			in := el("input", "", "type", "radio", "id", rid, "name", id, "value", v)
			in.Set("checked", v == value)
			if rating {
				in.Call("setAttribute", "aria-label", labels[i])
				add(group, in, add(el("label", "star", "for", rid, "title", labels[i]), text("span", "", "★", "aria-hidden", "true")))
			} else {
				add(group, add(el("label", "opt"), in, text("span", "", labels[i])))
			}
			fv.radios = append(fv.radios, in)
		}
		fv.ctl = group
		fv.nodes = []js.Value{text("label", "", prompt, "id", captionID), group, fv.msg}

	case f.Type == survey.TypeSelect:
		sel := el("select", "field", append(attrs, "name", f.Name)...)
		add(sel, text("option", "", t.Get(uitext.Choose), "value", ""))
		for i, o := range f.Options {
			opt := text("option", "", survey.Label(f, i), "value", o)
			opt.Set("selected", o == value)
			add(sel, opt)
		}
		fv.ctl = sel
		fv.nodes = []js.Value{text("label", "", prompt, "for", id), sel, fv.msg}

	default:
		tag, typ := "input", "text"
		switch {
		case f.Password:
			typ = "password"
		case f.Type == survey.TypeNumeric:
			typ = "number"
		case f.Type == survey.TypeDate:
			typ = "date"
		case f.Type == survey.TypeTime:
			typ = "time"
		case survey.IsEmail(f):
			typ = "email"
		case f.MultiLine:
			tag = "textarea"
		}
		attrs = append(attrs, "name", f.Name)
		switch {
		case tag == "textarea":
			rows := f.Lines
			if rows < 2 || rows > 10 {
				rows = 3
			}
			attrs = append(attrs, "rows", strconv.Itoa(rows))
		default:
			attrs = append(attrs, "type", typ)
		}
		switch {
		case typ == "number":
			attrs = append(attrs, "step", "any", "inputmode", "decimal")
			if low >= 0 {
				attrs = append(attrs, "min", strconv.Itoa(low))
			}
			if high >= 0 {
				attrs = append(attrs, "max", strconv.Itoa(high))
			}
		case typ == "text" || typ == "email" || typ == "password":
			attrs = append(attrs, "maxlength", strconv.Itoa(survey.MaxRunes(f)))
		}
		switch {
		case f.Password:
			attrs = append(attrs, "autocomplete", "off")
		case f.Type == survey.TypeName:
			attrs = append(attrs, "autocomplete", "name")
		case f.Type == survey.TypeCompany:
			attrs = append(attrs, "autocomplete", "organization")
		case typ == "email":
			attrs = append(attrs, "autocomplete", "email", "spellcheck", "false")
		}
		in := el(tag, "field", attrs...)
		in.Set("value", value)
		fv.ctl = in
		fv.nodes = []js.Value{text("label", "", prompt, "for", id), in, fv.msg}
	}
	return fv
}

// value reads the field's answer: "Y" or "N" for a checkbox, the chosen radio's value, or
// the control's value.
func (fv *fieldView) value() string {
	switch {
	case fv.f.Type == survey.TypeBoolean:
		if fv.ctl.Get("checked").Bool() {
			return survey.Yes
		}
		return survey.No
	case fv.radios != nil:
		for _, r := range fv.radios {
			if r.Get("checked").Bool() {
				return r.Get("value").String()
			}
		}
		return ""
	}
	return fv.ctl.Get("value").String()
}

// setError shows msg under the field ("" clears it) and marks the control invalid.
func (fv *fieldView) setError(msg string) {
	setText(fv.msg, msg)
	setAttr(fv.ctl, "aria-invalid", strconv.FormatBool(msg != ""))
}

// focus puts the focus on the field: the chosen radio of a group, else its first.
func (fv *fieldView) focus() {
	if fv.radios != nil {
		for _, r := range fv.radios {
			if r.Get("checked").Bool() {
				r.Call("focus")
				return
			}
		}
		if len(fv.radios) > 0 {
			fv.radios[0].Call("focus")
		}
		return
	}
	fv.ctl.Call("focus")
}
