package chat

import (
	"context"

	"github.com/parleychat/parley/backend/store"
)

// LeftNotifier writes the e-mail notices of a message a visitor left (package mail's Left
// has it): Notices composes them, to be stored with the message, and Wake tells the outbox
// they were stored.
type LeftNotifier interface {
	Notices(ctx context.Context, conn store.Connector, ch store.Chat, text, base string) ([]store.OutboxMail, error)
	Wake()
}

// NotifyLeft makes left messages notify their connector's group by e-mail through n, with
// links to base+path built by publicURL from the host a visitor reached. Call it before the
// service takes connections.
func (s *Service) NotifyLeft(n LeftNotifier, publicURL func(host string) string) {
	s.leftNotifier, s.publicURL = n, publicURL
}

// leftNotices are the writes of the notices of left message rec, nil without a notifier. A
// failure to compose them is logged, and the message is kept without them.
func (s *Service) leftNotices(ctx context.Context, conn store.Connector, rec store.Chat, text, host string) []store.Write {
	if s.leftNotifier == nil {
		return nil
	}
	base := "https://" + host
	if s.publicURL != nil {
		base = s.publicURL(host)
	}
	mails, err := s.leftNotifier.Notices(ctx, conn, rec, text, base)
	if err != nil {
		s.log.Warn("left message: no e-mail notice", "chat", rec.ID, "err", err)
		return nil
	}
	ws := make([]store.Write, len(mails))
	for i := range mails {
		ws[i] = store.Write{Mail: &mails[i]}
	}
	return ws
}
