package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/shared/protocol"
)

// Replay: -replay N makes one chat of N visitor messages (sent a window at a time, as fast as
// the server takes them), then a second connection of the visitor resumes the chat from its
// start, as a page opened again does. The figure is the time from sending the resume to having
// the chat's last event.

// ReplayResult is the replay's part of the result.
type ReplayResult struct {
	// ReplayEvents is how many events the resume brought (the messages and the chat's own).
	ReplayEvents int `json:"replay_events,omitempty"`
	// ReplayMs is the time from the resume to the last event.
	ReplayMs float64 `json:"replay_ms,omitempty"`
}

// replayWindow is how many messages are in flight while the chat is filled.
const replayWindow = 64

func runReplay(ctx context.Context, o options, ws, hash string) (Result, error) {
	c, err := connectVisitor(ctx, ws, hash, "v0-")
	if err != nil {
		return Result{}, err
	}
	defer c.Drop()
	ack, err := c.Call(ctx, "", &protocol.ChatRequest{Name: "Replay visitor"})
	if err != nil {
		return Result{}, fmt.Errorf("chat.request: %w", err)
	}
	chatID, chatToken := ack.Body.(*protocol.Ack).Chat, ack.Body.(*protocol.Ack).Token
	go func() { // keep the event stream drained
		for range c.Events() {
		}
	}()
	next := make(chan int)
	errs := make(chan error, replayWindow)
	var wg sync.WaitGroup
	for range replayWindow {
		wg.Go(func() {
			for i := range next {
				if err := send(ctx, c, chatID, fmt.Sprintf("replay %d", i)); err != nil {
					errs <- fmt.Errorf("fill the chat: %w", err)
					return
				}
			}
		})
	}
fill:
	for i := range o.replay {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			return Result{}, err
		case <-ctx.Done():
			break fill
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return Result{}, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	r, err := resumeFromStart(ctx, ws, hash, chatID, chatToken)
	if err != nil {
		return Result{}, err
	}
	if r.ReplayEvents < o.replay {
		return Result{}, fmt.Errorf("the resume brought %d events of a chat of %d messages", r.ReplayEvents, o.replay)
	}
	return Result{Chats: 1, Sent: o.replay, ReplayResult: r}, nil
}

// resumeFromStart connects again as the chat's visitor, resumes from the start and times the
// way to the last event, which the resume's ack numbers.
func resumeFromStart(ctx context.Context, ws, hash, chatID, chatToken string) (ReplayResult, error) {
	c, err := protoclient.Dial(ctx, ws+"/ws/visitor", protoclient.Options{IDPrefix: "replay-"})
	if err != nil {
		return ReplayResult{}, err
	}
	defer c.Drop()
	if _, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: hash, Lang: "en", Page: "http://load.test/"}); err != nil {
		return ReplayResult{}, fmt.Errorf("visitor.connect: %w", err)
	}
	// The history may come before the resume's ack: it is read as it comes, and the ack, whose
	// number is the chat's last event, found among it.
	start := time.Now()
	id := c.NewID()
	if err := c.Send(ctx, id, chatID, &protocol.Resume{Token: chatToken}); err != nil {
		return ReplayResult{}, fmt.Errorf("resume: %w", err)
	}
	var r ReplayResult
	last, acked := uint64(0), false
	for seen := uint64(0); !acked || seen < last; {
		ev, err := c.Next(ctx)
		if err != nil {
			return r, fmt.Errorf("replay: after %d events: %w", r.ReplayEvents, err)
		}
		switch b := ev.Body.(type) {
		case *protocol.Ack:
			if ev.ID == id {
				last, acked = b.Seq, true
			}
			continue
		case *protocol.Error:
			if ev.ID == id {
				return r, fmt.Errorf("resume: %w", b)
			}
		}
		if ev.Seq == 0 || ev.Chat != chatID {
			continue
		}
		if ev.Seq != seen+1 {
			return r, fmt.Errorf("replay: event %d after %d", ev.Seq, seen)
		}
		seen = ev.Seq
		r.ReplayEvents++
	}
	r.ReplayMs = round(float64(time.Since(start)) / float64(time.Millisecond))
	return r, nil
}
