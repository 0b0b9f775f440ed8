package dev.sluice.controller;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * Reads the UTC timestamps of Kubernetes objects and of Sluice's own status ({@code
 * 2026-11-26T00:59:44Z}, {@code 2026-11-26T00:59:44.123456Z}): each reconcile reads six of them,
 * and {@link Instant#parse} (a general {@code DateTimeFormatter}) was 3.5% of the daemon's CPU with
 * a thousand releases. Those two shapes are read directly; anything else is left to {@link
 * Instant#parse}, so the result is always the same as its.
 */
final class Timestamps {
  private Timestamps() {}

  /**
   * The instant {@code s} names, or {@code null} when it is {@code null} or not an ISO-8601
   * instant.
   */
  static Instant parse(String s) {
    if (s == null) {
      return null;
    }
    Instant fast = plainUtc(s);
    if (fast != null) {
      return fast;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} with valid fields, else {@code null}. */
  private static Instant plainUtc(String s) {
    int n = s.length();
    if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z') {
      return null;
    }
    if (s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 7);
    int day = digits(s, 8, 10);
    int hour = digits(s, 11, 13);
    int minute = digits(s, 14, 16);
    int second = digits(s, 17, 19);
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      return null; // including leap second 60, which Instant.parse treats specially
    }
    int nanos = 0;
    if (n > 20) {
      if (s.charAt(19) != '.' || n == 21) {
        return null;
      }
      int fraction = digits(s, 20, n - 1);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction;
      for (int i = n - 1 - 20; i < 9; i++) {
        nanos *= 10;
      }
    }
    if (day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()) {
      return null;
    }
    LocalDate date = LocalDate.of(year, month, day);
    long epochSecond = date.toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second;
    return Instant.ofEpochSecond(epochSecond, nanos);
  }

  /** The decimal number in {@code s[from, to)}, or -1 when a character is not an ASCII digit. */
  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
