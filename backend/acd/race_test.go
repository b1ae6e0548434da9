//go:build race

package acd

// raceEnabled lowers the default number of simulated scenarios under the race
// detector: the engine runs on one goroutine, so the detector has nothing to find in
// it and only makes each scenario slower.
const raceEnabled = true
