package admin

import (
	"context"
	"strconv"
	"strings"
)

// pctIn is a share as a percentage with one decimal, with the request's language's decimal
// sign: "87.5 %", "87,5 %".
func pctIn(ctx context.Context, v float64) string {
	return decimalIn(ctx, v*100) + " %"
}

// decimalIn is a number with one decimal and the request's language's decimal sign: "12.5",
// "12,5".
func decimalIn(ctx context.Context, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if printerOf(ctx).Lang() != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
