package browsertest

// takeChatsJS picks, in a signed-in agent app, the first status that takes chats (its option
// carries data-chats="true") unless the menu already shows one, and reports whether the desk
// says it waits for offers.
const takeChatsJS = `(() => {
	const s = document.querySelector('#status-select');
	if (!s || s.disabled) return false;
	const cur = s.selectedOptions[0];
	if (!cur || cur.dataset.chats !== 'true') {
		const o = [...s.options].find(o => o.dataset.chats === 'true' && !o.disabled);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return false;
	}
	return !document.querySelector('.hint') && document.querySelector('.offers .empty') !== null;
})()`

// TakeChats makes a signed-in agent app available for chats, as an agent does by choosing a
// status that takes chats, and waits until the desk shows it waits for offers. It chooses
// again while the menu shows another status, so that a choice made while the desk is still
// settling (its statuses arriving, a redraw in the agent's language) is not lost to the test.
func (b *Browser) TakeChats() {
	b.t.Helper()
	b.WaitFor("a status that takes chats", takeChatsJS)
}
