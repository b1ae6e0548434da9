package agentui

import (
	"encoding/json"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/shared/api"
)

// contactEdit is an agent's edit of the chat's contact, until it is saved.
type contactEdit struct {
	open   bool
	saving bool
	err    string
	saved  bool
	form   api.ContactEdit
}

// renderVisitorContact shows the chat's contact (loaded with the earlier chats): who they are, whether
// the user id the page passed is verified, the notes colleagues left, and an edit form.
func (a *App) renderVisitorContact(p *previousState) app.UI {
	t := a.desk.Msg
	if p == nil || p.loading || p.err != "" {
		return nil // the earlier chats below say what is happening
	}
	k := p.data.Contact
	if k == nil {
		return app.Section().Class("contact").Aria("labelledby", "contact-h").Body(
			app.H2().ID("contact-h").Text(t.T("Contact")),
			app.P().Class("muted").Text(t.T("No contact yet.")),
		)
	}
	e := &p.contact
	var user app.UI
	if k.UserID != "" {
		badge := app.Span().Class("id-badge", "unverified").Title(t.T("The host page did not sign this user id, or the signature is wrong: do not trust it.")).Text(t.T("Unverified"))
		if k.UserVerified {
			badge = app.Span().Class("id-badge", "verified").Title(t.T("The host page signed this user id: it is who they say they are.")).Text(t.T("Verified"))
		}
		user = app.Div().Class("fact").Body(app.Dt().Text(t.T("User id")), app.Dd().Body(app.Span().Class("user-id").Text(k.UserID), app.Text(" "), badge))
	}
	body := []app.UI{
		app.H2().ID("contact-h").Text(t.T("Contact")),
		app.Dl().Class("facts").Body(
			row(t.T("Name"), k.Name), row(t.T("E-mail"), k.Email), row(t.T("Phone"), k.Phone), row(t.T("Company"), k.Company), user,
		),
		app.If(k.Notes != "", func() app.UI {
			return app.Div().Class("fact-block").Body(app.H3().Text(t.T("Notes")), app.P().Class("contact-notes").Text(k.Notes))
		}),
		app.If(e.saved && !e.open, func() app.UI { return app.P().Class("muted").Role("status").Text(t.T("Contact saved.")) }),
	}
	if !e.open {
		body = append(body, app.Button().ID("contact-edit").Class("btn", "btn-quiet").Type("button").Text(t.T("Edit contact")).
			OnClick(func(ctx app.Context, _ app.Event) {
				*e = contactEdit{open: true, form: api.ContactEdit{Name: k.Name, Email: k.Email, Phone: k.Phone, Company: k.Company, Notes: k.Notes}}
			}))
	} else {
		body = append(body, a.renderContactForm(p, k.ID))
	}
	return app.Section().Class("contact").Aria("labelledby", "contact-h").Body(body...)
}

// renderContactForm is the contact's edit form.
func (a *App) renderContactForm(p *previousState, id int64) app.UI {
	t := a.desk.Msg
	e := &p.contact
	field := func(name, label, typ string, v *string) app.UI {
		fid := "contact-" + name
		return app.Div().Class("contact-field").Body(
			app.Label().For(fid).Text(label),
			app.Input().ID(fid).Type(typ).Value(*v).MaxLength(200).Disabled(e.saving).
				OnInput(func(ctx app.Context, _ app.Event) { *v = ctx.JSSrc().Get("value").String() }),
		)
	}
	return app.Form().ID("contact-form").Class("contact-form").NoValidate(true).
		OnSubmit(func(ctx app.Context, ev app.Event) {
			ev.PreventDefault()
			a.saveContact(ctx, p, id)
		}).Body(
		field("name", t.T("Name"), "text", &e.form.Name),
		field("email", t.T("E-mail"), "email", &e.form.Email),
		field("phone", t.T("Phone"), "tel", &e.form.Phone),
		field("company", t.T("Company"), "text", &e.form.Company),
		app.Div().Class("contact-field").Body(
			app.Label().For("contact-notes").Text(t.T("Notes")),
			app.Textarea().ID("contact-notes").Rows(4).MaxLength(10000).Disabled(e.saving).Text(e.form.Notes).
				OnInput(func(ctx app.Context, _ app.Event) { e.form.Notes = ctx.JSSrc().Get("value").String() }),
		),
		app.If(e.err != "", func() app.UI { return app.P().Class("error").Role("alert").Text(e.err) }),
		app.Div().Class("ask-actions").Body(
			app.Button().ID("contact-save").Class("btn", "btn-primary").Type("submit").Disabled(e.saving).
				Text(map[bool]string{false: t.T("Save contact"), true: t.T("Saving…")}[e.saving]),
			app.Button().Class("btn", "btn-quiet").Type("button").Disabled(e.saving).Text(t.T("Cancel editing")).
				OnClick(func(ctx app.Context, _ app.Event) { *e = contactEdit{} }),
		),
	)
}

// saveContact sends the edit and shows the saved contact, or why it was not saved.
func (a *App) saveContact(ctx app.Context, p *previousState, id int64) {
	t := a.desk.Msg
	e := &p.contact
	body, err := json.Marshal(e.form)
	if err != nil {
		e.err = t.T("The contact could not be saved.")
		return
	}
	e.saving, e.err = true, ""
	ctx.Async(func() {
		status, resp, err := a.platform.Fetch("POST", "/api/contacts/"+strconv.FormatInt(id, 10), body)
		ctx.Dispatch(func(app.Context) {
			e.saving = false
			var k api.ContactInfo
			switch {
			case err != nil:
				e.err = t.T("The contact could not be saved.")
			case status != 200:
				e.err = apiMessage(resp, t.T("The contact could not be saved."))
			case json.Unmarshal(resp, &k) != nil:
				e.err = t.T("The contact could not be saved.")
			default:
				if c := p.data.Contact; c != nil {
					k.UserID, k.UserVerified = c.UserID, c.UserVerified
				}
				p.data.Contact = &k
				*e = contactEdit{saved: true}
			}
		})
	})
}

// withoutSignature leaves out the user id's signature, which says nothing to an agent: the
// contact panel shows whether it was valid.
func withoutSignature(pdata map[string]string) map[string]string {
	if _, ok := pdata[pdataUserHash]; !ok {
		return pdata
	}
	out := make(map[string]string, len(pdata))
	for k, v := range pdata {
		if k != pdataUserHash {
			out[k] = v
		}
	}
	return out
}

// pdataUserHash is the pdata key of the signature (backend/contact.PDataUserHash).
const pdataUserHash = "user_hash"
