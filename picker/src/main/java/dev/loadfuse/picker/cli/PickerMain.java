package dev.loadfuse.picker.cli;

public final class PickerMain {
  public static void main(String[] args) {}
}
