package api

// TransferTargetsPath is GET /api/transfer-targets: where the signed-in agent's tenant can hand
// a chat on besides a colleague, its ACD groups and its connectors, as [TransferTargets]. The
// transfer card reads it when it opens; colleagues come from [ColleaguesPath].
const TransferTargetsPath = "/api/transfer-targets"

// TransferTargets are a tenant's groups and connectors, each sorted by name.
type TransferTargets struct {
	Groups     []TransferTarget `json:"groups"`
	Connectors []TransferTarget `json:"connectors"`
}

// TransferTarget is a group or connector a chat can be handed to. Open is false for a
// connector out of service, which takes no chats (groups are always open).
type TransferTarget struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Open bool   `json:"open"`
}
