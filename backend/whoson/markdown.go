package whoson

import (
	"bytes"
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// AllowedTags are the only HTML elements newline content carries (the document's "fixed
// number of allowed tags"): what Markdown makes of a chat line, links included. Everything
// else, with every attribute but a link's href (http, https, mailto), is removed.
var AllowedTags = []string{"p", "br", "strong", "b", "em", "i", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}

// markdown renders operator lines; raw HTML in them is not rendered (goldmark's default) and
// whatever passes is restricted again by the policy.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify))

// policy restricts newline content to [AllowedTags].
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(AllowedTags...)
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// operatorHTML turns an operator's Markdown line into restricted HTML. A single paragraph
// loses its <p>, so that a plain line stays a plain line.
func operatorHTML(text string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(text), &buf); err != nil {
		return html.EscapeString(text)
	}
	out := strings.TrimSpace(policy.Sanitize(buf.String()))
	if strings.HasPrefix(out, "<p>") && strings.HasSuffix(out, "</p>") && strings.Count(out, "<p>") == 1 {
		out = strings.TrimSuffix(strings.TrimPrefix(out, "<p>"), "</p>")
	}
	return out
}

// systemHTML restricts a text an administrator wrote (welcome, waiting and closing texts),
// which may hold HTML, to [AllowedTags].
func systemHTML(text string) string { return policy.Sanitize(text) }

// visitorHTML shows a visitor's line as the plain text it is.
func visitorHTML(text string) string { return html.EscapeString(text) }
