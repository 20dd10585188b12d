// Package storekit holds the helpers that the store packages' own tests
// (sqlite, postgres) share. It is apart from testkit because testkit
// imports sqlite, which sqlite's tests cannot import back.
package storekit
