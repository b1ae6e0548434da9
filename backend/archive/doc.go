// Package archive is the chat archive's logic that needs no database: it reads what a user
// typed into a search ([Terms]) so that no quote, operator or NUL byte reaches a query as
// syntax, marks the matched words in a message safely ([Snippet]: escape, then mark), reads
// the list's filters and page cursor from a request ([ParseFilter], [Cursor]), decides what
// an agent may see ([ScopeFor]) and streams a list as CSV or JSON ([WriteCSV], [WriteJSON])
// without holding it. The queries themselves are the store's ([store.Store.ArchiveChats],
// [store.Store.SearchMessages]); the admin pages and the agent API put the two together.
package archive
