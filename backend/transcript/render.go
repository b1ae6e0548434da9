package transcript

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parleychat/parley/shared/protocol"
)

// The page: A4 portrait, in millimetres.
const (
	marginX      = 16.0
	marginTop    = 16.0
	marginBottom = 18.0
	timeW        = 15.0 // the time column
	senderW      = 36.0 // the sender column
	gapW         = 2.0
	lineH        = 4.6 // a line of conversation text
	family       = "dejavu"
)

// rgb is a colour.
type rgb struct{ r, g, b int }

// The colours: the agent app's text, muted and accent colours, and amber for what the visitor
// never saw.
var (
	colText     = rgb{0x1f, 0x23, 0x28}
	colMuted    = rgb{0x65, 0x6d, 0x76}
	colRule     = rgb{0xd0, 0xd7, 0xde}
	colAccent   = rgb{0x1b, 0x6a, 0xc9}
	colInternal = rgb{0x9a, 0x67, 0x00}
	colNoteFill = rgb{0xff, 0xf4, 0xd6}
	colFile     = rgb{0x0b, 0x55, 0xa8}
)

// InternalMark is the word that marks a line the visitor never saw, in English; the
// transcript writes it in its reader's language.
const InternalMark = "internal"

// Render writes t as a PDF to w: the header with the chat's data on the first page, then the
// conversation, with a small header on every further page and page numbers in the footer.
func Render(w io.Writer, t Transcript) error {
	loadFaces()
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	r := &renderer{t: t, loc: loc, pdf: fpdf.New("P", "mm", "A4", "")}
	p := r.pdf
	p.AddUTF8FontFromBytes(family, "", faces.regular.data)
	p.AddUTF8FontFromBytes(family, "B", faces.bold.data)
	p.SetMargins(marginX, marginTop, marginX)
	p.SetAutoPageBreak(true, marginBottom)
	p.SetCellMargin(0)
	p.AliasNbPages("{nb}")
	title := r.say("Chat transcript: {0}, {1}", r.visitorName(), r.date(t.Started, layoutDate))
	p.SetTitle(faces.regular.clean(title), true)
	p.SetSubject(faces.regular.clean(t.Connector+", chat "+t.ChatID), true)
	p.SetCreator("Parley", true)
	p.SetProducer("Parley", true)
	if t.Lang != "" {
		p.SetLang(t.Lang)
	}
	printed := t.Printed
	if printed.IsZero() {
		printed = time.Now()
	}
	p.SetCreationDate(printed)
	p.SetModificationDate(printed)
	p.SetHeaderFuncMode(r.pageHeader, false)
	p.SetFooterFunc(func() { r.footer(printed) })

	p.AddPage()
	r.header()
	r.conversation()
	if err := p.Error(); err != nil {
		return fmt.Errorf("transcript: %w", err)
	}
	if err := p.Output(w); err != nil {
		return fmt.Errorf("transcript: %w", err)
	}
	return nil
}

// renderer draws one transcript.
type renderer struct {
	t   Transcript
	loc *time.Location
	pdf *fpdf.Fpdf
	// drawing is the line whose text is being drawn, so that a page break within it repeats
	// its time and sender on the next page.
	drawing *Line
}

// font sets the face, size in points and colour.
func (r *renderer) font(bold bool, size float64, c rgb) {
	style := ""
	if bold {
		style = "B"
	}
	r.pdf.SetFont(family, style, size)
	r.pdf.SetTextColor(c.r, c.g, c.b)
}

// clean makes s drawable in the current weight.
func (r *renderer) clean(bold bool, s string) string {
	if bold {
		return faces.bold.clean(s)
	}
	return faces.regular.clean(s)
}

// contentW is the width between the margins.
func (r *renderer) contentW() float64 {
	w, _ := r.pdf.GetPageSize()
	return w - 2*marginX
}

// visitorName is the visitor's name or a stand-in.
func (r *renderer) visitorName() string {
	if n := strings.TrimSpace(r.t.Visitor.Name); n != "" {
		return n
	}
	return r.say("Visitor")
}

// say is a message of the transcript in its reader's language.
func (r *renderer) say(msg string, args ...string) string { return say(r.t.Reader, msg, args...) }

// date formats a time in the tenant's zone with a layout of layouts, in the reader's
// language.
func (r *renderer) date(t time.Time, layout string) string {
	return formatIn(r.t.Reader, t.In(r.loc), layout)
}

// when formats a time in full in the tenant's zone.
func (r *renderer) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return r.date(t, layoutFull)
}

// rule draws a horizontal line across the content at y.
func (r *renderer) rule(y float64) {
	r.pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
	r.pdf.SetLineWidth(0.2)
	r.pdf.Line(marginX, y, marginX+r.contentW(), y)
}

// header draws the first page's header: title, the chat's facts, its agents and fields.
func (r *renderer) header() {
	p, t := r.pdf, r.t
	w := r.contentW()
	r.font(true, 17, colAccent)
	p.CellFormat(w*0.6, 8, r.clean(true, r.say("Chat transcript")), "", 0, "L", false, 0, "")
	r.font(false, 8.5, colMuted)
	p.CellFormat(w*0.4, 8, r.clean(false, t.Tenant), "", 1, "R", false, 0, "")
	r.font(false, 11, colText)
	title := r.visitorName() + " · " + t.Connector
	if t.Direct {
		title = r.say("Chat between colleagues")
	}
	p.MultiCell(w, 5.5, r.clean(false, title), "", "L", false)
	r.font(false, 7.5, colMuted)
	p.CellFormat(w, 4, r.clean(false, r.say("Chat {0}", t.ChatID)), "", 1, "L", false, 0, "")
	p.Ln(1.5)
	r.rule(p.GetY())
	p.Ln(2.5)

	duration := ""
	ended := r.when(t.Ended)
	switch {
	case !t.Ended.IsZero():
		duration = span(t.Ended.Sub(t.Started))
	default:
		ended = r.say("still open")
		if !t.Printed.IsZero() {
			duration = r.say("{0} so far", span(t.Printed.Sub(t.Started)))
		}
	}
	lang := strings.ToUpper(t.Lang)
	left := [][2]string{
		{r.say("Visitor"), t.Visitor.Name}, {r.say("E-mail"), t.Visitor.Email}, {r.say("Phone"), t.Visitor.Phone},
		{r.say("Customer"), t.Visitor.CustomerID}, {r.say("Language"), lang}, {r.say("Connector"), t.Connector},
	}
	if t.Direct {
		left = [][2]string{{r.say("Language"), lang}}
	}
	right := [][2]string{
		{r.say("Started"), r.when(t.Started)}, {r.say("Ended"), ended}, {r.say("Duration"), duration},
		{r.say("Close cause"), t.CloseCause}, {r.say("Time zone"), r.loc.String()},
	}
	half := (w - 6) / 2
	y0 := p.GetY()
	yl := r.facts(marginX, y0, half, left)
	yr := r.facts(marginX+half+6, y0, half, right)
	p.SetY(max(yl, yr))
	r.facts(marginX, p.GetY(), w, [][2]string{{r.say("Page"), t.Page}})

	if len(t.Agents) > 0 {
		rows := make([][2]string, 0, len(t.Agents))
		for i, a := range t.Agents {
			label := ""
			if i == 0 {
				label = r.say("Agents")
			}
			text := a.Name + " — " + strings.Join(a.Parts, ", ") + " · " + r.clock(a.Joined, t.Started)
			if !a.Left.IsZero() {
				text += "–" + r.clock(a.Left, t.Started)
			} else {
				text = r.say("{0}, still in the chat", text)
			}
			rows = append(rows, [2]string{label, text})
		}
		r.facts(marginX, p.GetY(), w, rows)
	}
	if len(t.Fields) > 0 {
		rows := make([][2]string, 0, len(t.Fields))
		for _, f := range t.Fields {
			sep := ": "
			if strings.HasSuffix(f.Label, "?") || strings.HasSuffix(f.Label, ":") {
				sep = " "
			}
			rows = append(rows, [2]string{f.Survey, f.Label + sep + f.Value})
		}
		r.facts(marginX, p.GetY(), w, rows)
	}
	p.Ln(1.5)
	r.rule(p.GetY())
	p.Ln(3)
	r.font(true, 10.5, colText)
	p.CellFormat(w, 6, r.clean(true, r.say("Conversation")), "", 1, "L", false, 0, "")
	p.Ln(1)
}

// facts draws label and value rows in a column of width w at (x, y), leaving out empty
// values, and returns the y below them.
func (r *renderer) facts(x, y, w float64, rows [][2]string) float64 {
	p := r.pdf
	const labelW = 24.0
	for _, row := range rows {
		if strings.TrimSpace(row[1]) == "" {
			continue
		}
		p.SetXY(x, y)
		r.font(false, 7.5, colMuted)
		p.CellFormat(labelW, 4.6, r.clean(false, row[0]), "", 0, "L", false, 0, "")
		r.font(false, 9, colText)
		p.SetXY(x+labelW, y)
		p.MultiCell(w-labelW, 4.6, r.clean(false, row[1]), "", "L", false)
		y = p.GetY() + 0.6
	}
	p.SetXY(marginX, y)
	return y
}

// clock is a time of day in the tenant's zone, with the date when it is not the day of
// ref.
func (r *renderer) clock(t, ref time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt, lr := t.In(r.loc), ref.In(r.loc)
	if lt.YearDay() != lr.YearDay() || lt.Year() != lr.Year() {
		return r.date(t, layoutDayTime)
	}
	return lt.Format("15:04:05")
}

// span formats a duration to the second.
func span(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %02d min %02d s", h, m, s)
	case m > 0:
		return fmt.Sprintf("%d min %02d s", m, s)
	}
	return fmt.Sprintf("%d s", s)
}

// pageHeader repeats the chat's name small at the top of every page after the first.
func (r *renderer) pageHeader() {
	p := r.pdf
	if p.PageNo() <= 1 {
		return
	}
	w := r.contentW()
	p.SetXY(marginX, 9)
	r.font(false, 7.5, colMuted)
	who := r.visitorName() + " · " + r.t.Connector
	if r.t.Direct {
		who = r.say("between colleagues")
	}
	head := r.say("Chat transcript") + " · " + who + " · " + r.date(r.t.Started, layoutDateTime)
	p.CellFormat(w*0.75, 4, r.clean(false, head), "", 0, "L", false, 0, "")
	p.CellFormat(w*0.25, 4, r.clean(false, r.t.ChatID), "", 1, "R", false, 0, "")
	r.rule(13.6)
	if l := r.drawing; l != nil {
		p.SetXY(marginX, marginTop)
		r.font(false, 7.5, colMuted)
		p.CellFormat(timeW, lineH, l.At.In(r.loc).Format("15:04:05"), "", 0, "L", false, 0, "")
		if l.Kind != LineSystem {
			r.font(false, 8, colMuted)
			p.CellFormat(senderW, lineH, r.fit(false, r.say("{0} (cont.)", l.Sender), senderW-1), "", 0, "L", false, 0, "")
		}
	}
	p.SetXY(marginX, marginTop)
}

// footer prints when the transcript was made and the page number.
func (r *renderer) footer(printed time.Time) {
	p := r.pdf
	w := r.contentW()
	p.SetXY(marginX, -12)
	r.font(false, 7.5, colMuted)
	p.CellFormat(w*0.7, 4, r.clean(false, r.say("Printed {0} by Parley", r.date(printed, layoutPrinted))), "", 0, "L", false, 0, "")
	p.CellFormat(w*0.3, 4, r.clean(false, r.say("Page {0} of {1}", strconv.Itoa(p.PageNo()), "{nb}")), "", 0, "R", false, 0, "")
}

// conversation draws every line, with the date between lines of different days.
func (r *renderer) conversation() {
	p := r.pdf
	if len(r.t.Lines) == 0 {
		r.font(false, 9, colMuted)
		p.CellFormat(r.contentW(), lineH, r.clean(false, r.say("Nothing was written in this chat.")), "", 1, "L", false, 0, "")
		return
	}
	day := r.t.Started.In(r.loc).Format("2006-01-02")
	for _, l := range r.t.Lines {
		if d := l.At.In(r.loc).Format("2006-01-02"); d != day && !l.At.IsZero() {
			day = d
			r.keep(2 * lineH)
			r.font(true, 8, colMuted)
			p.CellFormat(r.contentW(), lineH+1, r.clean(true, r.date(l.At, layoutDay)), "", 1, "C", false, 0, "")
		}
		r.line(l)
	}
}

// keep starts a new page unless h millimetres fit on this one.
func (r *renderer) keep(h float64) {
	_, ph := r.pdf.GetPageSize()
	if r.pdf.GetY()+h > ph-marginBottom {
		r.pdf.AddPage()
	}
}

// line draws one line of the conversation: time, sender (with the internal mark) and the
// wrapped text, or a system line in muted type.
func (r *renderer) line(l Line) {
	p := r.pdf
	w := r.contentW()
	textX := marginX + timeW + senderW + gapW
	textW := w - timeW - senderW - gapW
	sys := l.Kind == LineSystem
	text := r.clean(false, l.Full())
	if strings.TrimSpace(text) == "" && l.File == "" {
		text = r.say("(empty)")
	}
	size := 9.5
	if sys {
		size = 8.5
	}
	r.font(false, size, colText)
	first := lineH
	if n := len(p.SplitText(text, textW)); n > 1 {
		first = 2 * lineH
	}
	if l.Internal {
		first = max(first, 2*lineH)
	}
	r.keep(first + 1)

	y := p.GetY() + 0.6
	page := p.PageNo()
	p.SetXY(marginX, y)
	r.font(false, 7.5, colMuted)
	p.CellFormat(timeW, lineH, l.At.In(r.loc).Format("15:04:05"), "", 0, "L", false, 0, "")
	below := y + lineH
	if !sys {
		c := colText
		if l.Role == protocol.RoleVisitor {
			c = colAccent
		}
		r.font(true, 8.5, c)
		p.CellFormat(senderW, lineH, r.fit(true, l.Sender, senderW-1), "", 0, "L", false, 0, "")
	}
	if l.Internal {
		r.font(true, 6.5, rgb{0xff, 0xff, 0xff})
		p.SetFillColor(colInternal.r, colInternal.g, colInternal.b)
		tagY := y + 0.6
		if !sys {
			tagY = y + lineH + 0.2
		}
		mark := r.clean(true, r.say("internal"))
		tagW := p.GetStringWidth(mark) + 2.4
		p.SetXY(marginX+timeW, tagY)
		p.CellFormat(tagW, 3.4, mark, "", 0, "C", true, 0, "")
		below = max(below, tagY+3.6)
	}

	p.SetXY(textX, y)
	r.drawing = &l
	defer func() { r.drawing = nil }()
	if l.Internal {
		p.SetFillColor(colNoteFill.r, colNoteFill.g, colNoteFill.b)
	}
	if strings.TrimSpace(l.Text) != "" || l.File == "" {
		if sys {
			r.font(false, size, colMuted)
		} else {
			r.font(false, size, colText)
		}
		p.MultiCell(textW, lineH, text, "", "L", l.Internal)
		p.SetX(textX)
	}
	if l.File != "" {
		r.font(false, 9, colFile)
		p.MultiCell(textW, lineH, r.clean(false, r.say("File: {0}", l.File)), "", "L", l.Internal)
	}
	if p.PageNo() == page {
		p.SetY(max(p.GetY(), below))
	}
	p.SetXY(marginX, p.GetY()+1)
}

// fit shortens s with an ellipsis until it fits w millimetres in the current font.
func (r *renderer) fit(bold bool, s string, w float64) string {
	s = strings.Join(strings.Fields(r.clean(bold, s)), " ")
	if r.pdf.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && r.pdf.GetStringWidth(string(rs)+"…") > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}
